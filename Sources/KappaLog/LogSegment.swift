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
    private var bytesSinceLastIndexEntry = 0

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
    }

    /// Creates an empty segment with three new files in `directory`.
    static func create(directory: String, baseOffset: Int64, indexIntervalBytes: Int, now: Int64) throws -> LogSegment {
        let stem = LogFileName.stem(baseOffset: baseOffset)
        let logFile = try PosixFile.open(path: "\(directory)/\(stem)\(LogFileName.logSuffix)")
        let indexFile = try PosixFile.open(path: "\(directory)/\(stem)\(LogFileName.indexSuffix)")
        let timeFile = try PosixFile.open(path: "\(directory)/\(stem)\(LogFileName.timeIndexSuffix)")
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
    /// `offset` = where each starts within `bytes`), and indexes them.
    func append(_ bytes: ByteBuffer, batches: [(header: RecordBatchHeader, offset: Int)]) throws {
        let start = self.log.size
        do {
            try self.log.append(bytes)
        } catch {
            // Never leave part of a batch behind: recovery would cut it anyway, but reads must not see it.
            try? self.log.truncate(to: start)
            throw error
        }
        self.isDirty = true
        for batch in batches {
            try self.indexAppended(batch.header, at: start + Int64(batch.offset))
        }
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
    func position(ofBatchContaining offset: Int64) throws -> Int64? {
        let start = self.offsetIndex.lookup(relativeOffset: offset - self.baseOffset).map { Int64($0.position) } ?? 0
        var cursor = BatchCursor(file: self.log, from: start)
        while true {
            switch try cursor.next(verifyCRC: false) {
            case .batch(let header, let position):
                if header.lastOffset >= offset { return position }
            case .end:
                return nil
            case .invalid(let position, let reason):
                throw LogError.corruptBatch("\(self.name) at position \(position): \(reason)")
            }
        }
    }

    /// Whole batches starting at `position`, at most `maxBytes` in total, except that with
    /// `atLeastOne` the first batch is returned even if it is larger (KIP-74).
    func read(from position: Int64, maxBytes: Int, atLeastOne: Bool) throws -> ByteBuffer {
        let available = self.size - position
        guard available > 0 else { return ByteBuffer() }
        let budget = max(0, maxBytes)
        guard budget >= RecordBatchHeader.size || atLeastOne else { return ByteBuffer() }
        let wanted = min(available, Int64(max(budget, RecordBatchHeader.size)))
        var chunk = try self.log.read(at: position, length: Int(wanted))
        var cut = 0
        while chunk.readableBytes - cut >= RecordBatchHeader.size {
            let header: RecordBatchHeader
            do {
                header = try RecordBatchHeader(parsing: chunk, at: chunk.readerIndex + cut)
            } catch {
                throw LogError.corruptBatch("\(self.name) at position \(position + Int64(cut)): \(error)")
            }
            let end = cut + header.totalSize
            if end <= budget, end <= chunk.readableBytes {
                cut = end
                continue
            }
            if cut == 0, atLeastOne, Int64(header.totalSize) <= available {
                // The first batch alone is larger than the budget: return it whole anyway.
                chunk = try self.log.read(at: position, length: header.totalSize)
                cut = chunk.readableBytes
            }
            break
        }
        chunk.moveWriterIndex(to: chunk.readerIndex + cut)
        return chunk
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
            case .invalid(let position, let reason):
                throw LogError.corruptBatch("\(self.name) at position \(position): \(reason)")
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
    }

    /// Rescans the log from `position` (where a batch with base offset `expectedOffset` must
    /// start; 0 and `baseOffset` to rebuild everything), validating headers, CRCs and offset
    /// continuity, re-creating the index entries from there on, and truncating the log at the
    /// first invalid byte (a batch torn by a crash, or garbage).
    func recover(from position: Int64, expectedOffset: Int64) throws -> RecoveryResult {
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
                guard header.baseOffset == self.nextOffset else {
                    result.position = batchPosition
                    result.reason = "base offset \(header.baseOffset) where \(self.nextOffset) was expected"
                    break scan
                }
                try self.indexAppended(header, at: batchPosition)
                result.batches += 1
            case .end:
                result.position = self.size
                break scan
            case .invalid(let invalidPosition, let reason):
                result.position = invalidPosition
                result.reason = reason
                break scan
            }
        }
        if result.position < self.size {
            result.truncatedBytes = self.size - result.position
            try self.log.truncate(to: result.position)
        }
        try self.offsetIndex.persist()
        try self.timeIndex.persist()
        return result
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

    /// Syncs the log file if it was appended to since the last sync.
    func flush() throws {
        guard self.isDirty else { return }
        try self.log.sync()
        self.isDirty = false
    }

    /// Syncs the log and both indexes.
    func syncAll() throws {
        try self.log.sync()
        self.isDirty = false
        try self.offsetIndex.sync()
        try self.timeIndex.sync()
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
