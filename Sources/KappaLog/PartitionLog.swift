import KappaWire
import Logging
import NIOCore

/// The log of one partition (Kafka's `LocalLog`/`UnifiedLog` on a single node): an ordered list
/// of segments in one directory, of which only the last ("active") one is appended to.
///
/// Batches are stored exactly as produced, with `baseOffset` and `partitionLeaderEpoch` (0)
/// patched in; both lie outside the CRC, so stored batches stay valid and are served as is.
///
/// Not thread-safe: the broker serialises all access to one partition with a lock, which is
/// why this class is `@unchecked Sendable` (it may move between threads, never be shared).
public final class PartitionLog: @unchecked Sendable {
    /// The partition directory, or `nil` for an in-memory log.
    public let directory: String?
    /// Settings; changes apply to later appends, rolls and retention runs.
    public var config: LogConfig
    let logger: Logger
    /// Oldest first; never empty while the log is open.
    var segments: [LogSegment]
    /// The `flock` descriptor held on the directory's lock file while open.
    private var lockDescriptor: Int32?
    /// The first offset clients may read; moved by DeleteRecords and retention.
    public internal(set) var logStartOffset: Int64
    /// When appended data was first left unsynced (drives `FlushPolicy.interval`).
    private var dirtySince: Int64?
    /// Every offset below this is known to be on stable storage (see `syncedOffset`).
    private var syncedEndOffset: Int64
    private(set) var isClosed = false
    /// The cleaner's clean point (Kafka's `cleaner-offset-checkpoint`): offsets below it were
    /// compacted by an earlier pass; the dirty section starts here. Persisted in the partition
    /// directory after each pass (`PartitionLog+Cleaning`).
    public internal(set) var firstDirtyOffset: Int64 = 0
    /// The earliest delete horizon a cleaning pass left on a batch that still holds tombstones:
    /// once it passes, a pass is due even with nothing dirty, to remove them (Kafka's
    /// `latestDeleteHorizon`). Saved with the clean point.
    public internal(set) var pendingDeleteHorizon: Int64?

    init(directory: String?, config: LogConfig, logger: Logger, segments: [LogSegment], logStartOffset: Int64,
         lockDescriptor: Int32?)
    {
        self.directory = directory
        self.config = config
        self.logger = logger
        self.segments = segments
        self.logStartOffset = logStartOffset
        self.lockDescriptor = lockDescriptor
        // What was there at open counts as synced: a clean shutdown synced it, and after a crash
        // nothing this process could do would make it more durable than recovery found it.
        self.syncedEndOffset = segments.last?.nextOffset ?? logStartOffset
    }

    deinit {
        if let lockDescriptor { Posix.unlock(lockDescriptor) }
    }

    /// Opens the partition log in `directory` (created if missing), recovering it after a crash:
    /// indexes are rebuilt when missing or inconsistent and a torn tail is truncated (both are
    /// logged as warnings on `logger`).
    ///
    /// - Throws: `LogError.locked` if the directory is already open; `LogError.storage` on I/O errors.
    public static func open(directory: String, config: LogConfig, logger: Logger) throws -> PartitionLog {
        try Posix.createDirectory(directory)
        let lock = try Posix.lockFile("\(directory)/\(LogFileName.lock)")
        do {
            let loaded = try Self.load(directory: directory, config: config, logger: logger)
            let log = PartitionLog(
                directory: directory,
                config: config,
                logger: logger,
                segments: loaded.segments,
                logStartOffset: loaded.logStartOffset,
                lockDescriptor: lock
            )
            if let checkpoint = Self.readCleanerCheckpoint(directory: directory, logger: logger) {
                log.firstDirtyOffset = checkpoint.offset
                log.pendingDeleteHorizon = checkpoint.horizon
            }
            return log
        } catch {
            Posix.unlock(lock)
            throw error
        }
    }

    /// A log that behaves like an on-disk one but keeps everything in memory (`--memory`).
    public static func inMemory(config: LogConfig) -> PartitionLog {
        PartitionLog(
            directory: nil,
            config: config,
            logger: Logger(label: "kappa.log.memory"),
            segments: [LogSegment.createInMemory(baseOffset: 0, indexIntervalBytes: config.indexIntervalBytes,
                                                 now: Posix.nowMilliseconds())],
            logStartOffset: 0,
            lockDescriptor: nil
        )
    }

    // MARK: State

    /// The next offset to assign; on a single node also the high watermark.
    public var logEndOffset: Int64 { self.segments.last?.nextOffset ?? self.logStartOffset }

    /// Bytes of all segment `.log` files.
    public var sizeInBytes: Int64 { self.segments.reduce(0) { $0 + $1.size } }

    /// Number of segments (at least 1 while open).
    public var segmentCount: Int { self.segments.count }

    /// Every offset below this is on stable storage: appends become durable when a flush that
    /// began after them ends (`endFlush`). An in-memory log has nothing to sync, so for it this is
    /// always `logEndOffset`.
    public var syncedOffset: Int64 { self.directory == nil ? self.logEndOffset : self.syncedEndOffset }

    /// Base offsets of the segments, oldest first.
    public var segmentBaseOffsets: [Int64] { self.segments.map(\.baseOffset) }

    var activeSegment: LogSegment? { self.segments.last }

    private func checkOpen() throws {
        guard !self.isClosed, !self.segments.isEmpty else { throw LogError.closed(self.directory ?? "in-memory log") }
    }

    // MARK: Append

    /// Validates every batch in `records` (lengths, magic, CRC) and, only if all are valid,
    /// appends them with offsets assigned from `logEndOffset`, rolling segments as needed.
    ///
    /// - Parameters:
    ///   - records: the `records` field of a Produce partition: one or more v2 batches.
    ///   - now: wall-clock milliseconds (time-based rolling and flush scheduling).
    /// - Throws: `LogError.corruptBatch` (nothing written), `LogError.recordBatchTooLarge`
    ///   (nothing written), `LogError.storage` on I/O failure (no partial batch is left behind).
    public func append(_ records: ByteBuffer, now: Int64) throws -> LogAppendInfo {
        try self.checkOpen()
        let scanned: [RecordBatchScanner.Batch]
        do {
            scanned = try RecordBatchScanner.scan(records)
        } catch {
            throw LogError.corruptBatch("\(error)")
        }
        let segmentLimit = self.config.effectiveSegmentBytes
        if let tooLarge = scanned.first(where: { $0.header.totalSize > segmentLimit }) {
            throw LogError.recordBatchTooLarge(size: tooLarge.header.totalSize, segmentBytes: segmentLimit)
        }
        let firstOffset = self.logEndOffset
        guard !scanned.isEmpty else {
            return LogAppendInfo(firstOffset: firstOffset, lastOffset: firstOffset - 1, maxTimestamp: -1, batches: [])
        }

        // Assign offsets in a private copy (the request buffer is shared with the caller).
        var bytes = records
        var assigned: [RecordBatchHeader] = []
        assigned.reserveCapacity(scanned.count)
        var nextOffset = firstOffset
        for batch in scanned {
            bytes.patchRecordBatch(at: batch.position, baseOffset: nextOffset, partitionLeaderEpoch: 0)
            let header = batch.header.assigning(baseOffset: nextOffset, partitionLeaderEpoch: 0)
            assigned.append(header)
            nextOffset = header.lastOffset + 1
        }

        // Write runs of consecutive batches that go to the same segment with one write each. If a
        // write fails (a full disk), everything this append wrote is undone: the producer is told
        // it failed, so it will send the batches again and they must not be in the log twice.
        let segmentCount = self.segments.count
        let checkpoint = self.activeSegment?.checkpoint()
        do {
            try self.write(bytes, scanned: scanned, assigned: assigned, now: now)
        } catch {
            self.undoAppend(keepingSegments: segmentCount, checkpoint: checkpoint, after: error)
            throw error
        }

        // Even with `FlushPolicy.always` the sync is left to the caller (`beginFlush`), which can
        // do it without the lock that serialises this log and cover many appends with one sync.
        if self.dirtySince == nil { self.dirtySince = now }
        return LogAppendInfo(
            firstOffset: firstOffset,
            lastOffset: nextOffset - 1,
            maxTimestamp: assigned.map(\.maxTimestamp).max() ?? -1,
            batches: assigned
        )
    }

    /// Writes the batches of one append to the active segment, rolling as needed.
    private func write(
        _ bytes: ByteBuffer,
        scanned: [RecordBatchScanner.Batch],
        assigned: [RecordBatchHeader],
        now: Int64
    ) throws {
        var index = 0
        while index < scanned.count {
            if self.shouldRoll(before: assigned[index], pendingBytes: 0, now: now, checkTime: true) {
                try self.roll(at: assigned[index].baseOffset, now: now)
            }
            guard let segment = self.activeSegment else { throw LogError.closed(self.directory ?? "in-memory log") }
            var end = index + 1
            var runBytes = assigned[index].totalSize
            while end < scanned.count,
                !self.shouldRoll(before: assigned[end], pendingBytes: runBytes, now: now, checkTime: false)
            {
                runBytes += assigned[end].totalSize
                end += 1
            }
            let start = scanned[index].position
            guard let run = bytes.getSlice(at: start, length: runBytes) else {
                throw LogError.corruptBatch("batch run at \(start) of \(runBytes) bytes is not readable")
            }
            try segment.append(run, batches: (index..<end).map { (assigned[$0], scanned[$0].position - start) })
            index = end
        }
    }

    /// Removes the segments an append rolled to and cuts the segment that was active back to
    /// `checkpoint`. Failures are logged; a segment that cannot be cut back refuses appends.
    private func undoAppend(keepingSegments count: Int, checkpoint: LogSegment.Checkpoint?, after cause: any Error) {
        while self.segments.count > count, self.segments.count > 1 {
            let segment = self.segments.removeLast()
            do { try segment.delete() } catch {
                self.logger.error("removing \(segment.name) after a failed append failed: \(error)")
            }
        }
        guard let checkpoint, let segment = self.activeSegment else { return }
        do {
            try segment.rollBack(to: checkpoint, after: cause)
        } catch {
            self.logger.error("\(error)")
        }
        self.logger.debug("append to \(self.directory ?? "in-memory log") undone after: \(cause)")
    }

    /// Whether `header` must go to a new segment: the active one (plus `pendingBytes` about to be
    /// written to it) would exceed `segmentBytes`, its relative offsets would overflow, or
    /// (`checkTime`) it has spanned `segmentMs`. An empty segment never rolls.
    private func shouldRoll(before header: RecordBatchHeader, pendingBytes: Int, now: Int64, checkTime: Bool) -> Bool {
        guard let segment = self.activeSegment else { return false }
        let size = segment.size + Int64(pendingBytes)
        guard size > 0 else { return false }
        if size + Int64(header.totalSize) > Int64(self.config.effectiveSegmentBytes) { return true }
        if !segment.canHold(lastOffset: header.lastOffset) { return true }
        if checkTime, let segmentMs = self.config.segmentMs {
            // Like Kafka: measure with record timestamps when both exist, else with the wall clock.
            if let first = segment.firstBatchTimestamp, first >= 0, header.maxTimestamp >= 0 {
                return header.maxTimestamp - first > segmentMs
            }
            return now - segment.createdMs > segmentMs
        }
        return false
    }

    /// Starts a new active segment at `baseOffset`, finishing the old one. The old segment is not
    /// synced here, under the partition's lock (up to a whole segment of dirty pages): it stays
    /// dirty, with its indexes, for the next flush, which runs on the flusher like any other.
    func roll(at baseOffset: Int64, now: Int64) throws {
        if let old = self.activeSegment {
            try old.becomeInactive(syncFiles: false)
            if self.directory != nil {
                old.needsIndexSync = true
                old.isDirty = true
                self.dirtySince = self.dirtySince ?? now
            }
        }
        let segment: LogSegment
        if let directory = self.directory {
            segment = try LogSegment.create(
                directory: directory,
                baseOffset: baseOffset,
                indexIntervalBytes: self.config.indexIntervalBytes,
                now: now
            )
            do {
                try Posix.syncDirectory(directory)
            } catch {
                try? segment.delete()
                throw error
            }
        } else {
            segment = LogSegment.createInMemory(
                baseOffset: baseOffset,
                indexIntervalBytes: self.config.indexIntervalBytes,
                now: now
            )
        }
        self.segments.append(segment)
        self.logger.debug("rolled new segment \(segment.name) at offset \(baseOffset)")
    }

    // MARK: Read

    /// Whole batches starting with the one containing `offset`, at most `maxBytes` in total
    /// except that the first batch is always returned whole (KIP-74). May span segments.
    ///
    /// - Returns: an empty buffer when `offset == logEndOffset`.
    /// - Throws: `LogError.offsetOutOfRange` if `offset` is below `logStartOffset` or above
    ///   `logEndOffset`.
    public func read(from offset: Int64, maxBytes: Int) throws -> ByteBuffer {
        try self.checkOpen()
        let logEnd = self.logEndOffset
        guard offset >= self.logStartOffset, offset <= logEnd else {
            throw LogError.offsetOutOfRange(requested: offset, logStart: self.logStartOffset, logEnd: logEnd)
        }
        guard offset < logEnd else { return ByteBuffer() }
        var result = ByteBuffer()
        var found = false
        var remaining = maxBytes
        for segment in self.segments[self.segmentIndex(containing: offset)...] {
            let position: Int64
            if found {
                position = 0
            } else {
                do {
                    guard let start = try segment.position(ofBatchContaining: offset) else { continue }
                    position = start
                } catch let damage as SegmentDamage {
                    throw self.report(damage, in: segment)
                }
            }
            var (chunk, damage) = try segment.read(
                from: position,
                maxBytes: remaining,
                atLeastOne: result.readableBytes == 0
            )
            found = true
            remaining -= chunk.readableBytes
            let reachedSegmentEnd = position + Int64(chunk.readableBytes) >= segment.size
            if result.readableBytes == 0 { result = chunk } else { result.writeBuffer(&chunk) }
            if let damage {
                // Serve what precedes the bad batch; a read that starts at it fails.
                let error = self.report(damage, in: segment)
                if result.readableBytes == 0 { throw error }
                break
            }
            if !reachedSegmentEnd || remaining < RecordBatchHeader.size { break }
        }
        return result
    }

    /// Reads as `read` does, except that when at least `minimumFileBytes` of whole batches can be
    /// served from the segment holding `offset`, they come back as a region of its file (stopping
    /// at the segment's end, as Kafka's reads do) for the transport to send without copying.
    /// Memory logs, unverified data found on disk and short reads take the copying path.
    public func readChunk(from offset: Int64, maxBytes: Int, minimumFileBytes: Int) throws -> LogChunk {
        try self.checkOpen()
        if offset >= self.logStartOffset, offset < self.logEndOffset {
            let segment = self.segments[self.segmentIndex(containing: offset)]
            let position: Int64?
            do {
                position = try segment.position(ofBatchContaining: offset)
            } catch let damage as SegmentDamage {
                throw self.report(damage, in: segment)
            }
            if let start = position,
                let length = try segment.wholeBatchLength(from: start, maxBytes: maxBytes),
                length >= minimumFileBytes,
                let handle = try segment.log.duplicateHandle()
            {
                return .file(FileRegion(fileHandle: handle, readerIndex: Int(start), endIndex: Int(start) + length))
            }
        }
        return .bytes(try self.read(from: offset, maxBytes: maxBytes))
    }

    /// Logs a bad batch (once per batch) and returns the error a read that starts at it fails with.
    private func report(_ damage: SegmentDamage, in segment: LogSegment) -> LogError {
        let offsets = damage.offsets.map { "offsets \($0.lowerBound)...\($0.upperBound)" } ?? "unknown offsets"
        let message = "corrupt record batch in \(segment.name) at position \(damage.position) (\(offsets)): "
            + "\(damage.reason)"
        if damage.isFirstReport {
            self.logger.error("\(message); reads of this partition stop before it")
        }
        return LogError.corruptBatch(message)
    }

    /// Index of the last segment whose base offset is <= `offset` (0 if none).
    private func segmentIndex(containing offset: Int64) -> Int {
        var low = 0
        var high = self.segments.count
        while low < high {
            let middle = (low + high) / 2
            if self.segments[middle].baseOffset <= offset { low = middle + 1 } else { high = middle }
        }
        return max(0, low - 1)
    }

    // MARK: Timestamps

    /// The first batch (at or after `logStartOffset`) whose max timestamp is >= `timestamp`, as
    /// `(max(baseOffset, logStartOffset), maxTimestamp)`; `nil` if there is none (ListOffsets
    /// then answers the log end). Uses each segment's max timestamp and time index to skip.
    public func offset(forTimestamp timestamp: Int64) -> (offset: Int64, timestamp: Int64)? {
        guard !self.isClosed else { return nil }
        for segment in self.segments where segment.nextOffset > self.logStartOffset {
            do {
                if let header = try segment.firstBatch(withTimestampAtLeast: timestamp,
                                                       endingAtOrAfter: self.logStartOffset)
                {
                    // Kafka answers with the first record at or after the timestamp, not its batch:
                    // look inside an uncompressed batch; a compressed one answers with its base offset.
                    if let position = try? segment.position(ofBatchContaining: header.baseOffset),
                        let bytes = try? segment.read(from: position, maxBytes: 0, atLeastOne: true).bytes,
                        let batch = try? RecordBatch(parsing: bytes, at: bytes.readerIndex, verifyCRC: false),
                        let record = batch.records.first(where: {
                            batch.timestamp(of: $0) >= timestamp && batch.offset(of: $0) >= self.logStartOffset
                        })
                    {
                        return (batch.offset(of: record), batch.timestamp(of: record))
                    }
                    return (max(header.baseOffset, self.logStartOffset), header.maxTimestamp)
                }
            } catch {
                self.logger.error("timestamp lookup in \(segment.name) failed: \(error)")
                return nil
            }
        }
        return nil
    }

    /// The largest timestamp in the log and the offset of the first record carrying it (for
    /// ListOffsets -3); for a compressed batch the offset is the batch's base offset. `nil` if
    /// no batch has a timestamp.
    public var maxTimestamp: (offset: Int64, timestamp: Int64)? {
        guard !self.isClosed else { return nil }
        var best: LogSegment?
        for segment in self.segments where segment.maxTimestamp >= 0 && segment.nextOffset > self.logStartOffset {
            if segment.maxTimestamp > (best?.maxTimestamp ?? -1) { best = segment }
        }
        guard let best else { return nil }
        let timestamp = best.maxTimestamp
        var offset = best.offsetOfMaxTimestamp
        // The batch is known; look inside it for the exact record, as Kafka 3.8+ does.
        if let position = try? best.position(ofBatchContaining: offset),
            let bytes = try? best.read(from: position, maxBytes: 0, atLeastOne: true).bytes,
            let batch = try? RecordBatch(parsing: bytes, at: bytes.readerIndex, verifyCRC: false),
            let record = batch.records.first(where: { batch.timestamp(of: $0) == timestamp })
        {
            offset = batch.offset(of: record)
        }
        return (max(offset, self.logStartOffset), timestamp)
    }

    // MARK: Deletion and retention

    /// Moves `logStartOffset` up to `offset` (clamped to `logEndOffset`; lower values are
    /// ignored), persists it, and deletes segments that lie entirely below it.
    public func deleteRecords(before offset: Int64) throws {
        try self.checkOpen()
        let newStart = min(offset, self.logEndOffset)
        guard newStart > self.logStartOffset else { return }
        self.logStartOffset = newStart
        try self.persistLogStartOffset()
        var deleted = 0
        while self.segments.count > 1, self.segments[1].baseOffset <= self.logStartOffset {
            try self.deleteOldestSegment(reason: "below log start offset \(self.logStartOffset)")
            deleted += 1
        }
        self.logger.info(
            "\(self.directory ?? "in-memory log"): log start offset is now \(newStart), deleted \(deleted) segment(s)"
        )
    }

    /// When `cleanup.policy` includes delete, deletes whole segments, oldest first: those whose
    /// newest timestamp is older than `now - retentionMs` (the active one too, rolled first, once
    /// it has also been idle that long), then while the log exceeds `retentionBytes` (never the
    /// active one).
    ///
    /// - Returns: the number of segments deleted.
    public func enforceRetention(now: Int64) throws -> Int {
        // cleanup.policy=compact alone: old records go by compaction only, never by retention.
        guard !self.isClosed, self.config.cleanupPolicy.contains(.delete) else { return 0 }
        var deleted = 0
        if let retentionMs = self.config.retentionMs {
            // Like Kafka (`UnifiedLog.deleteSegments`), an expired active segment is rolled so it can
            // go too, else an idle topic would keep its records forever; unlike Kafka, only once nothing
            // has been written to it for retention.ms as well, so records just imported with old
            // timestamps (`kappa import`) are not deleted the moment they arrive.
            if let active = self.activeSegment, active.size > 0, now - active.retentionTimestamp > retentionMs,
                now - active.log.lastModifiedMs > retentionMs
            {
                try self.roll(at: self.logEndOffset, now: now)
            }
            while self.segments.count > 1, let oldest = self.segments.first,
                now - oldest.retentionTimestamp > retentionMs
            {
                try self.deleteOldestSegment(
                    reason: "newest timestamp \(oldest.retentionTimestamp) is older than retention.ms \(retentionMs)"
                )
                deleted += 1
            }
        }
        if let retentionBytes = self.config.retentionBytes {
            var excess = self.sizeInBytes - retentionBytes
            while self.segments.count > 1, let oldest = self.segments.first, excess >= oldest.size {
                excess -= oldest.size
                try self.deleteOldestSegment(reason: "log size exceeds retention.bytes \(retentionBytes)")
                deleted += 1
            }
        }
        if deleted > 0 { try self.persistLogStartOffset() }
        return deleted
    }

    /// Removes the oldest segment and its files, advancing `logStartOffset` past it.
    private func deleteOldestSegment(reason: String) throws {
        let segment = self.segments.removeFirst()
        if let next = self.segments.first { self.logStartOffset = max(self.logStartOffset, next.baseOffset) }
        self.logger.info(
            "deleting segment \(segment.name) (offsets \(segment.baseOffset)..<\(segment.nextOffset)): \(reason)"
        )
        try segment.delete()
    }

    /// Writes `logStartOffset` to its checkpoint file (atomically), so it survives a restart.
    func persistLogStartOffset() throws {
        guard let directory = self.directory else { return }
        try Posix.writeAtomically(
            "\(self.logStartOffset)\n",
            to: "\(directory)/\(LogFileName.logStartOffset)",
            directory: directory
        )
    }

    // MARK: Flushing and lifecycle

    /// Syncs every segment with unsynced appends, here and now (`beginFlush`, `sync`, `endFlush`).
    public func flush() throws {
        guard let flush = try self.beginFlush() else { return }
        do {
            try flush.sync()
        } catch {
            self.endFlush(flush, succeeded: false)
            throw error
        }
        self.endFlush(flush, succeeded: true)
    }

    /// Flushes if appended data has been unsynced for at least the `FlushPolicy.interval`, or at all
    /// with `FlushPolicy.always` (whose owner normally flushes before acknowledging each append).
    public func flushIfDue(now: Int64) throws {
        guard self.isFlushDue(now: now) else { return }
        try self.flush()
    }

    /// `beginFlush()` if a flush is due (see `flushIfDue`), else `nil`.
    public func beginFlushIfDue(now: Int64) throws -> PendingFlush? {
        guard self.isFlushDue(now: now) else { return nil }
        return try self.beginFlush()
    }

    private func isFlushDue(now: Int64) -> Bool {
        guard let since = self.dirtySince else { return false }
        switch self.config.flush {
        case .always: return true
        case .interval(let milliseconds): return now - since >= milliseconds
        }
    }

    /// Captures every segment with unsynced appends for a sync outside this log's lock and counts
    /// them as clean from now on; `nil` if there is nothing to sync. The caller must call
    /// `sync()` on the result and then `endFlush(_:succeeded:)` (under the lock again).
    public func beginFlush() throws -> PendingFlush? {
        guard !self.isClosed else { return nil }
        let dirty = self.segments.filter(\.isDirty)
        guard !dirty.isEmpty else {
            self.dirtySince = nil
            return nil
        }
        let files = try dirty.flatMap { try $0.pendingSyncHandles() }
        for segment in dirty {
            segment.isDirty = false
            segment.needsIndexSync = false
        }
        let flush = PendingFlush(
            endOffset: self.logEndOffset,
            files: files,
            segmentBaseOffsets: dirty.map(\.baseOffset),
            dirtySince: self.dirtySince
        )
        self.dirtySince = nil
        return flush
    }

    /// Records the outcome of `flush.sync()`: on success `syncedOffset` moves up to the flush's end
    /// offset; on failure its segments count as unsynced again, so a later flush retries them.
    public func endFlush(_ flush: PendingFlush, succeeded: Bool) {
        guard !self.isClosed else { return }
        if succeeded {
            self.syncedEndOffset = max(self.syncedEndOffset, flush.endOffset)
            return
        }
        for segment in self.segments where flush.segmentBaseOffsets.contains(segment.baseOffset) {
            segment.isDirty = true
            if segment !== self.activeSegment, self.directory != nil { segment.needsIndexSync = true }
        }
        if let since = flush.dirtySince {
            self.dirtySince = min(self.dirtySince ?? since, since)
        }
    }

    /// Calls `body` with the header of every batch in the log, oldest first (used at start-up to
    /// rebuild idempotent-producer state). I/O errors end the scan early and are logged.
    public func forEachBatchHeader(_ body: (RecordBatchHeader) throws -> Void) rethrows {
        try self.scanBatches { header, _, _ in try body(header) }
    }

    /// As `forEachBatchHeader`, with the marker of each control batch (read from the file, since a
    /// header does not say whether it commits or aborts). Rebuilds the transaction state of a
    /// partition after a crash; control batches are one record each, so they cost little to read.
    public func forEachBatchHeaderAndMarker(_ body: (RecordBatchHeader, EndTransactionMarker?) throws -> Void) rethrows {
        try self.scanBatches { header, position, segment in
            var marker: EndTransactionMarker?
            if header.isControl, let bytes = try? segment.read(from: position, maxBytes: header.totalSize, atLeastOne: true).0 {
                marker = EndTransactionMarker.parse(batch: bytes, at: bytes.readerIndex)
            }
            try body(header, marker)
        }
    }

    private func scanBatches(_ body: (RecordBatchHeader, Int64, LogSegment) throws -> Void) rethrows {
        guard !self.isClosed else { return }
        for segment in self.segments {
            var cursor = BatchCursor(file: segment.log, from: 0)
            while true {
                let step: BatchCursor.Step
                do {
                    step = try cursor.next(verifyCRC: false)
                } catch {
                    self.logger.error("scanning \(segment.name) failed: \(error)")
                    return
                }
                guard case .batch(let header, let position) = step else { break }
                try body(header, position, segment)
            }
        }
    }

    /// Syncs unsynced data, closes all files and releases the directory lock. Later calls do nothing.
    public func close() throws {
        guard !self.isClosed else { return }
        self.isClosed = true
        defer {
            if let lockDescriptor = self.lockDescriptor { Posix.unlock(lockDescriptor) }
            self.lockDescriptor = nil
        }
        var firstError: Error?
        for segment in self.segments {
            do {
                // Older segments need only what the flushes have not synced yet (`flush` covers the
                // indexes of one that rolled unsynced); the active one gets its indexes synced too.
                if segment === self.activeSegment, self.directory != nil {
                    try segment.syncAll()
                } else {
                    try segment.flush()
                }
                try segment.close()
            } catch {
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
    }

    /// Closes the log (if open) and removes its directory with everything in it (topic deletion).
    public func deleteFromDisk() throws {
        if !self.isClosed {
            self.isClosed = true
            for segment in self.segments { try? segment.close() }
            if let lockDescriptor = self.lockDescriptor { Posix.unlock(lockDescriptor) }
            self.lockDescriptor = nil
        }
        if let directory = self.directory {
            try Posix.removeDirectory(directory)
        } else {
            for segment in self.segments { try? segment.delete() }
        }
    }
}
