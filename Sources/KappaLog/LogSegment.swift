import KappaWire
import NIOCore

/// One segment of a partition log (Kafka's `LogSegment`): a `.log` file of record batches
/// stored exactly as produced (with their offsets assigned), plus its sparse offset and time
/// indexes. A segment named `<baseOffset>` holds offsets from `baseOffset` up to the next
/// segment's base offset.
///
/// Not thread-safe: owned by one `PartitionLog`, which the broker serialises.
final class LogSegment {
    let baseOffset: Int64
    let log: any FileStorage
    let offsetIndex: OffsetIndex
    let timeIndex: TimeIndex
    let indexIntervalBytes: Int
    /// The offset after the last batch (the segment's end offset; `baseOffset` when empty).
    private(set) var nextOffset: Int64
    /// The largest batch `maxTimestamp` in the segment, -1 if none.
    private(set) var maxTimestamp: Int64 = -1
    /// Base offset of the first batch that carried `maxTimestamp`.
    private(set) var offsetOfMaxTimestamp: Int64
    /// `maxTimestamp` of the first batch, which time-based rolling measures from (as Kafka does).
    private(set) var firstBatchTimestamp: Int64?
    /// Wall-clock creation (or load) time, for rolling segments whose batches carry no timestamps.
    let createdMs: Int64
    /// Appended to since the last sync, or since a flush of it began (`PartitionLog.beginFlush`).
    var isDirty = false
    /// Rolled without syncing: the next flush also syncs this segment's index files.
    var needsIndexSync = false
    private var bytesSinceLastIndexEntry = 0
    /// Bytes from here on were appended by this process (their CRCs were checked on produce) or
    /// verified by recovery. Batches before it were found on disk at open; a read checks their CRC
    /// the first time it serves them (`verified`), so a flipped bit is reported instead of passed
    /// on, and opening a large log needs no scan.
    private(set) var trustedFrom: Int64
    /// Parts below `trustedFrom` that reads have verified.
    private var verified = VerifiedRanges()
    /// Batches known to be bad (CRC mismatch or garbage header): never served, reported once.
    private(set) var corruptPositions: Set<Int64> = []
    /// Set when an append could not be undone: appending again could reuse offsets already in the file.
    private(set) var failure: String?

    init(
        baseOffset: Int64,
        log: any FileStorage,
        offsetIndex: OffsetIndex,
        timeIndex: TimeIndex,
        indexIntervalBytes: Int,
        createdMs: Int64
    ) {
        self.baseOffset = baseOffset
        self.log = log
        self.offsetIndex = offsetIndex
        self.timeIndex = timeIndex
        self.indexIntervalBytes = indexIntervalBytes
        self.nextOffset = baseOffset
        self.offsetOfMaxTimestamp = baseOffset
        self.createdMs = createdMs
        self.trustedFrom = log.size
    }

    /// Creates an empty segment with three new files in `directory`; `suffix` follows each file's
    /// usual name (the cleaner writes `.cleaned` segments that replace the originals later).
    static func create(directory: String, baseOffset: Int64, indexIntervalBytes: Int, now: Int64,
                       suffix: String = "") throws -> LogSegment
    {
        let stem = LogFileName.stem(baseOffset: baseOffset)
        let logFile = try PosixFile.open(path: "\(directory)/\(stem)\(LogFileName.logSuffix)\(suffix)")
        let indexFile = try PosixFile.open(path: "\(directory)/\(stem)\(LogFileName.indexSuffix)\(suffix)")
        let timeFile = try PosixFile.open(path: "\(directory)/\(stem)\(LogFileName.timeIndexSuffix)\(suffix)")
        // A leftover from a crashed roll or an old deletion must not leak into the new segment.
        for file in [logFile, indexFile, timeFile] where file.size > 0 { try file.truncate(to: 0) }
        return LogSegment(
            baseOffset: baseOffset,
            log: logFile,
            offsetIndex: OffsetIndex(file: indexFile),
            timeIndex: TimeIndex(file: timeFile),
            indexIntervalBytes: indexIntervalBytes,
            createdMs: now
        )
    }

    /// Creates an empty segment held in memory (indexes without files).
    static func createInMemory(baseOffset: Int64, indexIntervalBytes: Int, now: Int64) -> LogSegment {
        LogSegment(
            baseOffset: baseOffset,
            log: MemoryFile(name: "\(LogFileName.stem(baseOffset: baseOffset))\(LogFileName.logSuffix)", now: now),
            offsetIndex: OffsetIndex(file: nil),
            timeIndex: TimeIndex(file: nil),
            indexIntervalBytes: indexIntervalBytes,
            createdMs: now
        )
    }

    var size: Int64 { self.log.size }
    var isEmpty: Bool { self.log.size == 0 }
    var name: String { self.log.name }

    /// The timestamp retention compares with: the newest batch timestamp, or the file's
    /// modification time when batches carry none (Kafka's `largestTimestamp`).
    var retentionTimestamp: Int64 { self.maxTimestamp >= 0 ? self.maxTimestamp : self.log.lastModifiedMs }

    // MARK: Appending

    /// Appends `bytes`, which hold `batches` (headers already carrying their assigned offsets,
    /// `offset` = where each starts within `bytes`), and indexes them. If any write fails (a full
    /// disk), the segment is rolled back to where it was, so no part of the append remains.
    func append(_ bytes: ByteBuffer, batches: [(header: RecordBatchHeader, offset: Int)]) throws {
        if let failure = self.failure { throw LogError.storage(failure) }
        let checkpoint = self.checkpoint()
        let start = checkpoint.size
        do {
            try self.log.append(bytes)
            self.isDirty = true
            for batch in batches {
                try self.indexAppended(batch.header, at: start + Int64(batch.offset))
            }
        } catch {
            try self.rollBack(to: checkpoint, after: error)
            throw error
        }
    }

    /// The state an append may change, for `rollBack(to:after:)`.
    struct Checkpoint {
        var size: Int64
        var nextOffset: Int64
        var maxTimestamp: Int64
        var offsetOfMaxTimestamp: Int64
        var firstBatchTimestamp: Int64?
        var bytesSinceLastIndexEntry: Int
        var offsetIndexCount: Int
        var timeIndexCount: Int
        var isDirty: Bool
    }

    func checkpoint() -> Checkpoint {
        Checkpoint(
            size: self.size,
            nextOffset: self.nextOffset,
            maxTimestamp: self.maxTimestamp,
            offsetOfMaxTimestamp: self.offsetOfMaxTimestamp,
            firstBatchTimestamp: self.firstBatchTimestamp,
            bytesSinceLastIndexEntry: self.bytesSinceLastIndexEntry,
            offsetIndexCount: self.offsetIndex.count,
            timeIndexCount: self.timeIndex.count,
            isDirty: self.isDirty
        )
    }

    /// Cuts the log and indexes back to `checkpoint` and restores the in-memory state, undoing
    /// appends (and a roll's final time-index entry) that failed part-way. If even that fails, the
    /// segment refuses further appends (see `failure`) and this throws a storage error saying so.
    func rollBack(to checkpoint: Checkpoint, after cause: any Error) throws {
        do {
            try self.log.truncate(to: checkpoint.size)
            try self.offsetIndex.truncate(toCount: checkpoint.offsetIndexCount)
            try self.timeIndex.truncate(toCount: checkpoint.timeIndexCount)
        } catch {
            let failure = "\(self.name) could not be cut back to \(checkpoint.size) bytes after a failed append "
                + "(\(cause)): \(error); no more appends until a restart recovers it"
            self.failure = failure
            throw LogError.storage(failure)
        }
        self.nextOffset = checkpoint.nextOffset
        self.maxTimestamp = checkpoint.maxTimestamp
        self.offsetOfMaxTimestamp = checkpoint.offsetOfMaxTimestamp
        self.firstBatchTimestamp = checkpoint.firstBatchTimestamp
        self.bytesSinceLastIndexEntry = checkpoint.bytesSinceLastIndexEntry
        self.isDirty = checkpoint.isDirty
        self.verified.truncate(to: checkpoint.size)
        self.corruptPositions = self.corruptPositions.filter { $0 < checkpoint.size }
    }

    /// Updates the in-memory state and indexes for a batch now stored at `position`.
    private func indexAppended(_ header: RecordBatchHeader, at position: Int64) throws {
        if self.firstBatchTimestamp == nil { self.firstBatchTimestamp = header.maxTimestamp }
        if header.maxTimestamp > self.maxTimestamp {
            self.maxTimestamp = header.maxTimestamp
            self.offsetOfMaxTimestamp = header.baseOffset
        }
        if self.bytesSinceLastIndexEntry >= self.indexIntervalBytes {
            let entry = OffsetPosition(
                relativeOffset: self.relative(header.baseOffset),
                position: Int32(truncatingIfNeeded: position)
            )
            try self.offsetIndex.append(entry)
            try self.appendTimeIndexEntry()
            self.bytesSinceLastIndexEntry = 0
        }
        self.bytesSinceLastIndexEntry += header.totalSize
        self.nextOffset = header.lastOffset + 1
    }

    /// `offset - baseOffset` as stored in the indexes (the log rolls before it could overflow).
    func relative(_ offset: Int64) -> Int32 {
        Int32(truncatingIfNeeded: offset - self.baseOffset)
    }

    /// Whether a batch ending at `lastOffset` still fits the 32-bit relative offsets.
    func canHold(lastOffset: Int64) -> Bool {
        lastOffset - self.baseOffset <= Int64(Int32.max)
    }

    /// Called when a newer segment becomes active: records a final time-index entry (so the
    /// segment's max timestamp survives a restart without a scan) and syncs everything.
    func becomeInactive(syncFiles: Bool) throws {
        try self.appendTimeIndexEntry()
        if syncFiles { try self.syncAll() }
    }

    /// Records the max timestamp so far in the time index, if it grew since the last entry.
    private func appendTimeIndexEntry() throws {
        try self.timeIndex.maybeAppend(
            timestamp: self.maxTimestamp,
            relativeOffset: self.relative(self.offsetOfMaxTimestamp)
        )
    }

    // MARK: Reading

    /// Position of the batch containing `offset` (or the first batch after it), using the offset
    /// index to skip most of the segment; `nil` if no batch in this segment ends at or after it.
    /// An index entry that does not point at the batch it names (a damaged index) is ignored and
    /// the segment scanned from its start instead.
    ///
    /// - Throws: `SegmentDamage` if the scan meets a header that cannot be parsed.
    func position(ofBatchContaining offset: Int64) throws -> Int64? {
        let entry = self.offsetIndex.lookup(relativeOffset: offset - self.baseOffset)
        var start = entry.map { Int64($0.position) } ?? 0
        var expected = entry.map { self.baseOffset + Int64($0.relativeOffset) }
        var cursor = BatchCursor(file: self.log, from: start)
        while true {
            let step = try cursor.next(verifyCRC: false)
            if let wanted = expected {
                expected = nil
                var pointsAtIt = false
                if case .batch(let header, _) = step { pointsAtIt = header.baseOffset == wanted }
                if !pointsAtIt, start > 0 {
                    start = 0
                    cursor = BatchCursor(file: self.log, from: 0)
                    continue
                }
            }
            switch step {
            case .batch(let header, let position):
                if header.lastOffset >= offset { return position }
            case .end:
                return nil
            case .invalid(let position, let reason), .partial(let position, let reason):
                throw self.damage(at: position, offsets: nil, reason: reason)
            case .crcMismatch(let header, let position):
                throw self.damage(at: position, offsets: header.baseOffset...header.lastOffset, reason: "CRC mismatch")
            }
        }
    }

    /// The length of the whole batches from `position` (a batch start) that fit in `maxBytes`, the
    /// first batch always counted (KIP-74), found from the offset index and the batch lengths alone,
    /// without reading the batches. `nil` where the bytes must be read and checked instead: data
    /// found on disk and not yet verified, a segment with known bad batches, or a length that does
    /// not add up (the copying read then reports it).
    func wholeBatchLength(from position: Int64, maxBytes: Int) throws -> Int? {
        guard position >= self.trustedFrom, self.corruptPositions.isEmpty else { return nil }
        let size = self.size
        let limit = position + Int64(max(0, maxBytes))
        // Batches are indexed every `indexIntervalBytes`: jump to the last indexed one that starts
        // within the budget; everything before it is whole batches.
        var end = position
        if let last = self.offsetIndex.lastIndex(where: { Int64($0.position) <= limit }) {
            end = max(end, Int64(self.offsetIndex.entries[last].position))
        }
        let lengthFieldEnd = Int64(RecordBatchHeader.lengthFieldEnd)
        var window = ByteBuffer()
        var windowStart = end
        while end + lengthFieldEnd <= size {
            if end + lengthFieldEnd > windowStart + Int64(window.readableBytes) {
                window = try self.log.read(at: end, length: 4096)
                windowStart = end
            }
            let at = window.readerIndex + Int(end - windowStart) + RecordBatchHeader.lengthFieldEnd - 4
            guard let length = window.getInteger(at: at, as: Int32.self), length >= RecordBatchHeader.minimumBatchLength
            else { return nil }
            let next = end + lengthFieldEnd + Int64(length)
            guard next <= size else { return nil }
            if next > limit {
                if end == position { end = next }
                break
            }
            end = next
        }
        return Int(end - position)
    }

    /// Records a bad batch at `position` and describes it.
    private func damage(at position: Int64, offsets: ClosedRange<Int64>?, reason: String) -> SegmentDamage {
        let isFirstReport = self.corruptPositions.insert(position).inserted
        return SegmentDamage(position: position, offsets: offsets, reason: reason, isFirstReport: isFirstReport)
    }

    /// Whole batches starting at `position`, at most `maxBytes` in total, except that with
    /// `atLeastOne` the first batch is returned even if it is larger (KIP-74). Batches are cut
    /// before the first bad one (see `trustedFrom`), which `damage` then describes; `bytes` holds
    /// the good batches before it, possibly none.
    func read(from position: Int64, maxBytes: Int, atLeastOne: Bool) throws
        -> (bytes: ByteBuffer, damage: SegmentDamage?)
    {
        let available = self.size - position
        guard available > 0 else { return (ByteBuffer(), nil) }
        let budget = max(0, maxBytes)
        guard budget >= RecordBatchHeader.size || atLeastOne else { return (ByteBuffer(), nil) }
        let wanted = min(available, Int64(max(budget, RecordBatchHeader.size)))
        var chunk = try self.log.read(at: position, length: Int(wanted))
        var cut = 0
        var damage: SegmentDamage?
        while chunk.readableBytes - cut >= RecordBatchHeader.size {
            let header: RecordBatchHeader
            do {
                header = try RecordBatchHeader(parsing: chunk, at: chunk.readerIndex + cut)
            } catch {
                damage = self.damage(at: position + Int64(cut), offsets: nil, reason: "\(error)")
                break
            }
            let end = cut + header.totalSize
            if end <= budget, end <= chunk.readableBytes {
                cut = end
                continue
            }
            if Int64(cut + header.totalSize) > available {
                damage = self.damage(
                    at: position + Int64(cut),
                    offsets: header.baseOffset...header.lastOffset,
                    reason: "batch of \(header.totalSize) bytes runs past the end of the segment"
                )
            } else if cut == 0, atLeastOne {
                // The first batch alone is larger than the budget: return it whole anyway.
                chunk = try self.log.read(at: position, length: header.totalSize)
                cut = chunk.readableBytes
            }
            break
        }
        if damage == nil, cut == 0, atLeastOne, chunk.readableBytes > 0, chunk.readableBytes < RecordBatchHeader.size {
            damage = self.damage(at: position, offsets: nil, reason: "\(chunk.readableBytes) stray bytes at the end")
        }
        chunk.moveWriterIndex(to: chunk.readerIndex + cut)
        if let bad = self.verify(&chunk, at: position) { damage = bad }
        return (chunk, damage)
    }

    /// Checks the CRCs of the batches in `chunk` (read at `position`) that lie before
    /// `trustedFrom` and were not verified before, and cuts `chunk` before the first batch that
    /// fails or is known to be bad. Costs nothing for data this process appended.
    private func verify(_ chunk: inout ByteBuffer, at position: Int64) -> SegmentDamage? {
        guard position < self.trustedFrom || !self.corruptPositions.isEmpty else { return nil }
        var offset = 0
        while offset < chunk.readableBytes {
            let batchPosition = position + Int64(offset)
            let index = chunk.readerIndex + offset
            // Parsed once already by `read`; a failure here cannot happen but must not crash.
            guard let header = try? RecordBatchHeader(parsing: chunk, at: index) else { break }
            let range = batchPosition..<(batchPosition + Int64(header.totalSize))
            var reason: String?
            if self.corruptPositions.contains(batchPosition) {
                reason = "CRC mismatch"
            } else if batchPosition < self.trustedFrom, !self.verified.contains(range) {
                let computed = header.computedCRC(in: chunk, at: index)
                if computed != header.crc {
                    reason = "CRC-32C mismatch (stored \(Self.hex(header.crc)), computed "
                        + "\(computed.map(Self.hex) ?? "none"))"
                }
            }
            if let reason {
                chunk.moveWriterIndex(to: index)
                self.markVerified(from: position, to: batchPosition)
                return self.damage(at: batchPosition, offsets: header.baseOffset...header.lastOffset, reason: reason)
            }
            offset += header.totalSize
        }
        self.markVerified(from: position, to: position + Int64(chunk.readableBytes))
        return nil
    }

    /// Notes `[start, end)` as verified, as far as it lies before `trustedFrom`.
    private func markVerified(from start: Int64, to end: Int64) {
        let upper = min(end, self.trustedFrom)
        if start < upper { self.verified.insert(start..<upper) }
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// The header of the batch at `position`.
    func header(at position: Int64) throws -> RecordBatchHeader? {
        var cursor = BatchCursor(file: self.log, from: position)
        if case .batch(let header, _) = try cursor.next(verifyCRC: false) { return header }
        return nil
    }

    /// The first batch, among those ending at or after `minimumOffset`, whose max timestamp is at
    /// least `timestamp`; the time index tells where to start looking.
    func firstBatch(withTimestampAtLeast timestamp: Int64, endingAtOrAfter minimumOffset: Int64) throws
        -> RecordBatchHeader?
    {
        guard self.maxTimestamp >= timestamp else { return nil }
        let fromTimeIndex = self.timeIndex.lastEntry(before: timestamp).map {
            self.baseOffset + Int64($0.relativeOffset)
        }
        let startOffset = max(fromTimeIndex ?? self.baseOffset, minimumOffset)
        let start = self.offsetIndex.lookup(relativeOffset: startOffset - self.baseOffset)
            .map { Int64($0.position) } ?? 0
        var cursor = BatchCursor(file: self.log, from: start)
        while true {
            switch try cursor.next(verifyCRC: false) {
            case .batch(let header, _):
                if header.lastOffset >= minimumOffset, header.maxTimestamp >= timestamp { return header }
            case .end:
                return nil
            case .invalid(let position, let reason), .partial(let position, let reason):
                throw LogError.corruptBatch("\(self.name) at position \(position): \(reason)")
            case .crcMismatch(_, let position):
                throw LogError.corruptBatch("\(self.name) at position \(position): CRC mismatch")
            }
        }
    }

    /// Calls `body` with every batch header in order; stops at the end or at invalid data.
    func forEachBatch(_ body: (RecordBatchHeader, Int64) throws -> Void) throws {
        var cursor = BatchCursor(file: self.log, from: 0)
        while case .batch(let header, let position) = try cursor.next(verifyCRC: false) {
            try body(header, position)
        }
    }

    // MARK: Recovery

    /// What `recover(from:expectedOffset:)` found.
    struct RecoveryResult {
        /// Bytes cut from the end of the log (0 if it was intact).
        var truncatedBytes: Int64 = 0
        /// Where the cut was made.
        var position: Int64 = 0
        /// Why the bytes at `position` were rejected.
        var reason: String = ""
        /// Batches scanned.
        var batches = 0
        /// Batches failing their CRC that valid batches follow: damage in place, not a torn tail.
        /// They are kept (so are the batches after them) and refused to readers.
        var corrupt: [(position: Int64, offsets: ClosedRange<Int64>)] = []
        /// Without `truncatingDamage`: where the scan stopped at an unreadable header, kept as is.
        var keptDamage: (position: Int64, reason: String)?
    }

    /// Rescans the log from `position` (where a batch with base offset `expectedOffset` must
    /// start; 0 and `baseOffset` to rebuild everything), validating headers, CRCs and offset
    /// continuity, re-creating the index entries from there on, and truncating the log at the
    /// first invalid byte (a batch torn by a crash, or garbage). A whole batch that fails its
    /// CRC but is followed by a valid batch with the next offset was damaged in place rather than
    /// torn: it is kept, recorded as corrupt (reads stop before it) and reported, so the
    /// acknowledged batches after it are not thrown away.
    ///
    /// With `truncatingDamage` false (an older segment, synced completely when it rolled, so never
    /// torn by a crash) only a partial batch at the very end is cut; a bad batch is kept and the
    /// scan stops at an unreadable header, leaving the rest of the file for readers to reach.
    func recover(from position: Int64, expectedOffset: Int64, truncatingDamage: Bool = true) throws -> RecoveryResult {
        // Forget everything the indexes say about the rescanned range; the scan re-adds it.
        let keptOffsets = self.offsetIndex.lastIndex { Int64($0.position) < position }.map { $0 + 1 } ?? 0
        try self.offsetIndex.truncate(toCount: keptOffsets)
        let relativeStart = expectedOffset - self.baseOffset
        let keptTimes = self.timeIndex.lastIndex { Int64($0.relativeOffset) < relativeStart }.map { $0 + 1 } ?? 0
        try self.timeIndex.truncate(toCount: keptTimes)
        self.maxTimestamp = self.timeIndex.last?.timestamp ?? -1
        self.offsetOfMaxTimestamp = self.baseOffset + Int64(self.timeIndex.last?.relativeOffset ?? 0)
        self.nextOffset = expectedOffset
        self.firstBatchTimestamp = position == 0 ? nil : try self.header(at: 0)?.maxTimestamp
        // At position 0 this replays a fresh segment; elsewhere the batch at `position` had an entry.
        self.bytesSinceLastIndexEntry = position == 0 ? 0 : self.indexIntervalBytes

        self.offsetIndex.defersWrites = true
        self.timeIndex.defersWrites = true
        defer {
            self.offsetIndex.defersWrites = false
            self.timeIndex.defersWrites = false
        }
        var result = RecoveryResult()
        var cursor = BatchCursor(file: self.log, from: position)
        scan: while true {
            switch try cursor.next(verifyCRC: true) {
            case .batch(let header, let batchPosition):
                // Offsets only have to increase: a compacted segment has gaps between its batches.
                guard header.baseOffset >= self.nextOffset else {
                    result.position = batchPosition
                    result.reason = "base offset \(header.baseOffset) where \(self.nextOffset) or more was expected"
                    if !truncatingDamage { result.keptDamage = (batchPosition, result.reason) }
                    break scan
                }
                try self.indexAppended(header, at: batchPosition)
                result.batches += 1
            case .crcMismatch(let header, let batchPosition):
                // Damage in place if this is not the end of the log (or must not be cut anyway).
                var inPlace = !truncatingDamage
                var next = cursor
                if !inPlace, case .batch(let following, _) = try next.next(verifyCRC: true) {
                    inPlace = following.baseOffset == header.lastOffset + 1
                }
                guard inPlace, header.baseOffset >= self.nextOffset else {
                    result.position = batchPosition
                    result.reason = "CRC mismatch"
                    if !truncatingDamage { result.keptDamage = (batchPosition, result.reason) }
                    break scan
                }
                self.corruptPositions.insert(batchPosition)
                result.corrupt.append((batchPosition, header.baseOffset...header.lastOffset))
                try self.indexAppended(header, at: batchPosition)
                result.batches += 1
            case .end:
                result.position = self.size
                break scan
            case .invalid(let invalidPosition, let reason):
                result.position = invalidPosition
                result.reason = reason
                if !truncatingDamage { result.keptDamage = (invalidPosition, reason) }
                break scan
            case .partial(let invalidPosition, let reason):
                result.position = invalidPosition
                result.reason = reason
                break scan
            }
        }
        if let kept = result.keptDamage {
            self.corruptPositions.insert(kept.position)
            self.markVerified(from: position, to: kept.position)
            result.position = self.size
        } else {
            if result.position < self.size {
                result.truncatedBytes = self.size - result.position
                try self.log.truncate(to: result.position)
            }
            self.trustedFrom = min(self.trustedFrom, position, self.size)
        }
        self.verified.truncate(to: self.size)
        self.corruptPositions = self.corruptPositions.filter { $0 < self.size }
        try self.offsetIndex.persist()
        try self.timeIndex.persist()
        return result
    }

    /// Why the end of this older segment does not look like that of a segment that rolled at
    /// `nextBaseOffset`, or `nil` if it does. Walks the batch headers (no CRCs) from `position`,
    /// where a batch with offset `expectedOffset` starts (the last index entry: a few KiB), to the
    /// end of the file.
    func tailProblem(from position: Int64, expectedOffset: Int64, nextBaseOffset: Int64) throws -> String? {
        var cursor = BatchCursor(file: self.log, from: position)
        var next = expectedOffset
        while true {
            switch try cursor.next(verifyCRC: false) {
            case .batch(let header, let at), .crcMismatch(let header, let at):
                // Increasing offsets, with the gaps compaction leaves.
                guard header.baseOffset >= next else {
                    return "has offset \(header.baseOffset) at position \(at) where \(next) or more was expected"
                }
                next = header.lastOffset + 1
            case .end:
                return next <= nextBaseOffset ? nil : "ends at offset \(next), the next one starts at \(nextBaseOffset)"
            case .invalid(let at, let reason), .partial(let at, let reason):
                return "ends in bad data at position \(at): \(reason)"
            }
        }
    }

    /// Restores the in-memory state of a segment that is not the last one from its indexes,
    /// without scanning it (its end is the next segment's base offset).
    func restore(nextOffset: Int64) {
        self.nextOffset = nextOffset
        if let last = self.timeIndex.last {
            self.maxTimestamp = last.timestamp
            self.offsetOfMaxTimestamp = self.baseOffset + Int64(last.relativeOffset)
        }
    }

    // MARK: Lifecycle

    /// Syncs the log file if it was appended to since the last sync (and the indexes of a segment
    /// that rolled unsynced).
    func flush() throws {
        if self.needsIndexSync {
            try self.offsetIndex.sync()
            try self.timeIndex.sync()
            self.needsIndexSync = false
        }
        guard self.isDirty else { return }
        try self.log.sync()
        self.isDirty = false
    }

    /// Handles for syncing what is unsynced in this segment from another thread: the log file, and the
    /// index files of a segment that rolled unsynced.
    func pendingSyncHandles() throws -> [SyncHandle] {
        var handles: [SyncHandle] = []
        if let log = try self.log.syncHandle() { handles.append(log) }
        if self.needsIndexSync {
            if let index = try self.offsetIndex.file?.syncHandle() { handles.append(index) }
            if let index = try self.timeIndex.file?.syncHandle() { handles.append(index) }
        }
        return handles
    }

    /// Syncs the log and both indexes.
    func syncAll() throws {
        try self.log.sync()
        self.isDirty = false
        try self.offsetIndex.sync()
        try self.timeIndex.sync()
        self.needsIndexSync = false
    }

    func close() throws {
        try self.log.close()
        try self.offsetIndex.close()
        try self.timeIndex.close()
    }

    func delete() throws {
        try self.log.delete()
        try self.offsetIndex.delete()
        try self.timeIndex.delete()
    }
}
