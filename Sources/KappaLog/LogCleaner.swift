import KappaWire
import Logging
import NIOCore

/// The compaction of one partition log (Kafka's `Cleaner.clean`), run off the partition's lock on
/// its own file descriptors: from a `CleaningPlan` taken under the lock it builds an `OffsetMap`
/// of the latest offset of every key in the dirty section, then rewrites each closed segment from
/// the log start to the end of that section into `<segment>.cleaned` files, keeping per key only
/// the records at or after the map's offset. `PartitionLog.completeCleaning` swaps them in.
///
/// What is kept, as Kafka keeps it:
/// - offsets never change: a rewritten batch keeps its base offset, its `lastOffsetDelta` (so the
///   batch still spans the offsets it did), producer id, epoch and base sequence, and each kept
///   record its offset delta, timestamp and headers; removed records leave gaps;
/// - a batch left with no records is dropped, unless it is the last batch of its producer in the
///   cleaned range: then it is kept empty, so the producer state rebuilt from batch headers after a
///   crash still knows the producer's epoch and last sequence;
/// - a tombstone (null value) is kept the first time it is cleaned, and its batch gets a delete
///   horizon (KIP-534: attribute bit 6, `baseTimestamp` = now + `delete.retention.ms`, record
///   timestamp deltas rebased so every timestamp stays what it was); a later pass after the horizon
///   removes it;
/// - records of aborted transactions (the ranges the caller passes, since the log does not know
///   which markers aborted what) are removed and never enter the map; control batches
///   (transaction markers) are kept whole (always safe; Kafka removes them only once nothing needs
///   them);
/// - compressed batches are kept whole: Kappa has no codecs, so their keys are unknown. They are
///   not compacted, and a tombstone at a later offset than one of them is kept (a removed
///   tombstone could otherwise let an older value hidden in the compressed batch come back).
public enum LogCleaner {
    /// A transaction that ended with an ABORT marker: `producerId`'s records in
    /// `firstOffset...lastOffset` are removable.
    public struct AbortedRange: Sendable, Equatable {
        public var producerId: Int64
        public var firstOffset: Int64
        public var lastOffset: Int64
        public init(producerId: Int64, firstOffset: Int64, lastOffset: Int64) {
            self.producerId = producerId
            self.firstOffset = firstOffset
            self.lastOffset = lastOffset
        }
    }

    /// Suffix of the files a pass writes; only `completeCleaning` renames them.
    static let cleanedSuffix = ".cleaned"
    /// Suffix of cleaned files committed to replace the originals (see `PartitionLog+Cleaning`).
    static let swapSuffix = ".swap"

    /// One segment rewritten by a pass.
    public struct CleanedSegment: Sendable {
        /// The base offset of the segment it replaces (and its own name).
        public var baseOffset: Int64
        /// No batch survived: the original is deleted instead of replaced.
        public var isEmpty: Bool
        /// Every batch survived as it was: nothing to swap (no `.cleaned` files are left).
        public var isUnchanged = false
        public var bytes: Int64
    }

    /// What a pass produced, for `PartitionLog.completeCleaning`.
    public struct Result: Sendable {
        public var directory: String
        public var segments: [CleanedSegment]
        /// The clean point after the swap: the end of what the offset map covered.
        public var cleanedUpTo: Int64
        public var bytesRead: Int64 = 0
        public var bytesWritten: Int64 = 0
        public var recordsRead = 0
        public var recordsRemoved = 0
        /// The earliest delete horizon of a batch still holding tombstones after the pass.
        public var earliestDeleteHorizon: Int64?
    }

    /// Runs one pass of `plan` with an offset map of `mapMemoryBytes`; `nil` when the map could not
    /// hold the keys of even the first dirty segment (logged; nothing is written).
    ///
    /// - Throws: I/O errors (the pass is abandoned: `.cleaned` files written so far are removed).
    public static func clean(
        _ plan: CleaningPlan,
        aborted: [AbortedRange],
        mapMemoryBytes: Int,
        now: Int64,
        logger: Logger
    ) throws -> Result? {
        var map = OffsetMap(memoryBytes: mapMemoryBytes)
        let abortedByProducer = Dictionary(grouping: aborted, by: \.producerId)
        var result = Result(directory: plan.directory, segments: [], cleanedUpTo: plan.firstDirtyOffset)

        // 1. The offset map over the dirty section, whole segments only.
        var mapEnd = plan.firstDirtyOffset
        for source in plan.sources where source.endOffset > plan.firstDirtyOffset {
            // Keys of a segment that did not fit entirely stay in the map: each points at a record that
            // stays in the log (that segment is not rewritten), so what they remove is still superseded.
            let fitted = try Self.addToMap(source, from: plan.firstDirtyOffset, map: &map,
                                           aborted: abortedByProducer, result: &result)
            if !fitted { break }
            mapEnd = source.endOffset
        }
        let hasDirty = plan.sources.contains { $0.endOffset > plan.firstDirtyOffset }
        guard mapEnd > plan.firstDirtyOffset || !hasDirty else {
            let message = "cleaning \(plan.directory): the offset map (\(mapMemoryBytes) bytes, \(map.capacity) keys) "
                + "cannot hold the keys of the first dirty segment; not cleaned"
            logger.error("\(message)")
            return nil
        }
        result.cleanedUpTo = mapEnd

        // 2. Producers' last batches and the first compressed batch, over everything rewritten.
        let rewritten = plan.sources.filter { $0.baseOffset < mapEnd }
        var lastBatchOfProducer: [Int64: Int64] = [:]
        var firstOpaqueOffset = Int64.max
        for source in rewritten {
            let file = try PosixFile.open(path: source.path, create: false)
            defer { try? file.close() }
            var cursor = BatchCursor(file: file, from: 0)
            while case .batch(let header, _) = try cursor.next(verifyCRC: false) {
                // Markers carry no sequence: the last data batch is what producer state is rebuilt from.
                if header.producerId >= 0, !header.isControl { lastBatchOfProducer[header.producerId] = header.baseOffset }
                if header.compression != .none, !header.isControl {
                    firstOpaqueOffset = min(firstOpaqueOffset, header.baseOffset)
                }
            }
        }

        // 3. Rewrite each segment; any failure removes what this pass wrote.
        let rules = Rules(
            map: map, aborted: abortedByProducer, lastBatchOfProducer: lastBatchOfProducer,
            firstOpaqueOffset: firstOpaqueOffset, now: now, deleteRetentionMs: plan.config.deleteRetentionMs
        )
        do {
            for source in rewritten {
                result.segments.append(try Self.rewrite(source, plan: plan, rules: rules, result: &result))
            }
        } catch {
            for segment in result.segments { Self.removeCleanedFiles(directory: plan.directory, baseOffset: segment.baseOffset) }
            if let failed = rewritten.dropFirst(result.segments.count).first {
                Self.removeCleanedFiles(directory: plan.directory, baseOffset: failed.baseOffset)
            }
            throw error
        }
        return result
    }

    /// Adds the keys of `source` at or after `from` to `map`; `false` if the map filled up.
    private static func addToMap(
        _ source: CleaningPlan.Source,
        from: Int64,
        map: inout OffsetMap,
        aborted: [Int64: [AbortedRange]],
        result: inout Result
    ) throws -> Bool {
        let file = try PosixFile.open(path: source.path, create: false)
        defer { try? file.close() }
        var cursor = BatchCursor(file: file, from: 0)
        while true {
            let step = try cursor.next(verifyCRC: true)
            guard case .batch(let header, let position) = step else {
                if case .end = step { break }
                throw LogError.corruptBatch("cleaning \(source.path): \(step); the log is left as it is")
            }
            guard header.lastOffset >= from, !header.isControl, header.compression == .none,
                !Self.isAborted(header, aborted)
            else { continue }
            let bytes = try file.read(at: position, length: header.totalSize)
            let batch = try RecordBatch(parsing: bytes, at: bytes.readerIndex, verifyCRC: false)
            for record in batch.records {
                let offset = batch.offset(of: record)
                guard offset >= from, let key = record.key else { continue }
                if !map.put(key: key, offset: offset) { return false }
            }
        }
        return true
    }

    static func isAborted(_ header: RecordBatchHeader, _ aborted: [Int64: [AbortedRange]]) -> Bool {
        guard header.isTransactional, !header.isControl, let ranges = aborted[header.producerId] else { return false }
        return ranges.contains { $0.firstOffset <= header.baseOffset && header.baseOffset <= $0.lastOffset }
    }

    /// What decides the fate of each record in a pass.
    struct Rules {
        var map: OffsetMap
        var aborted: [Int64: [AbortedRange]]
        var lastBatchOfProducer: [Int64: Int64]
        var firstOpaqueOffset: Int64
        var now: Int64
        var deleteRetentionMs: Int64
    }

    /// Writes the cleaned copy of `source` to `<stem>.{log,index,timeindex}.cleaned`, synced.
    private static func rewrite(
        _ source: CleaningPlan.Source,
        plan: CleaningPlan,
        rules: Rules,
        result: inout Result
    ) throws -> CleanedSegment {
        let input = try PosixFile.open(path: source.path, create: false)
        defer { try? input.close() }
        Self.removeCleanedFiles(directory: plan.directory, baseOffset: source.baseOffset)
        let output = try LogSegment.create(
            directory: plan.directory, baseOffset: source.baseOffset,
            indexIntervalBytes: plan.config.indexIntervalBytes, now: rules.now, suffix: Self.cleanedSuffix
        )
        var changed = false
        var pending = ByteBuffer()
        var pendingBatches: [(header: RecordBatchHeader, offset: Int)] = []
        func flushPending() throws {
            guard !pendingBatches.isEmpty else { return }
            try output.append(pending, batches: pendingBatches)
            pending.clear()
            pendingBatches.removeAll(keepingCapacity: true)
        }
        do {
            var cursor = BatchCursor(file: input, from: 0)
            while true {
                // CRCs are checked: a damaged batch must not come out of the cleaner with a fresh, valid CRC.
                let step = try cursor.next(verifyCRC: true)
                guard case .batch(let header, let position) = step else {
                    if case .end = step { break }
                    throw LogError.corruptBatch("cleaning \(source.path): \(step); the log is left as it is")
                }
                let bytes = try input.read(at: position, length: header.totalSize)
                result.bytesRead += Int64(header.totalSize)
                guard let (kept, keptHeader) = try Self.clean(batch: bytes, header: header, rules: rules, result: &result)
                else {
                    changed = true
                    continue
                }
                if keptHeader != header { changed = true }
                pendingBatches.append((keptHeader, pending.writerIndex))
                var keptBytes = kept
                pending.writeBuffer(&keptBytes)
                if pending.readableBytes >= 1 << 20 { try flushPending() }
            }
            try flushPending()
            try output.becomeInactive(syncFiles: true)
            let size = output.size
            try output.close()
            result.bytesWritten += size
            if size == 0 || !changed {
                Self.removeCleanedFiles(directory: plan.directory, baseOffset: source.baseOffset)
                return CleanedSegment(baseOffset: source.baseOffset, isEmpty: size == 0, isUnchanged: !changed, bytes: size)
            }
            try Posix.syncDirectory(plan.directory)
            return CleanedSegment(baseOffset: source.baseOffset, isEmpty: false, bytes: size)
        } catch {
            try? output.close()
            Self.removeCleanedFiles(directory: plan.directory, baseOffset: source.baseOffset)
            throw error
        }
    }

    /// The batch as it leaves the cleaner (the original bytes when nothing changes), or `nil` to drop it.
    static func clean(batch bytes: ByteBuffer, header: RecordBatchHeader, rules: Rules, result: inout Result)
        throws -> (ByteBuffer, RecordBatchHeader)?
    {
        if header.isControl || header.compression != .none { return (bytes, header) }
        let batch = try RecordBatch(parsing: bytes, at: bytes.readerIndex, verifyCRC: false)
        result.recordsRead += batch.records.count
        let aborted = Self.isAborted(header, rules.aborted)
        let horizonPassed = header.hasDeleteHorizon && rules.now >= header.baseTimestamp
        var kept: [Record] = []
        kept.reserveCapacity(batch.records.count)
        for record in batch.records {
            let offset = batch.offset(of: record)
            if aborted { continue }
            if let key = record.key, let latest = rules.map.get(key: key), offset < latest { continue }
            if record.value == nil, record.key != nil, horizonPassed, offset < rules.firstOpaqueOffset { continue }
            kept.append(record)
        }
        result.recordsRemoved += batch.records.count - kept.count
        let keepsTombstones = kept.contains { $0.value == nil && $0.key != nil }
        let needsHorizon = !header.hasDeleteHorizon && keepsTombstones
        let horizon: Int64
        if needsHorizon {
            let sum = rules.now.addingReportingOverflow(rules.deleteRetentionMs)
            horizon = sum.overflow ? Int64.max : sum.partialValue
        } else {
            horizon = header.baseTimestamp
        }
        if keepsTombstones { result.earliestDeleteHorizon = min(result.earliestDeleteHorizon ?? .max, horizon) }
        if kept.count == batch.records.count, !needsHorizon { return (bytes, header) }
        if kept.isEmpty {
            guard header.producerId >= 0, rules.lastBatchOfProducer[header.producerId] == header.baseOffset else {
                return nil
            }
        }
        var baseTimestamp = header.baseTimestamp
        var attributes = header.attributes
        if needsHorizon {
            // KIP-534: the horizon takes the place of the base timestamp; deltas are rebased to it.
            baseTimestamp = horizon
            attributes |= Self.deleteHorizonFlag
            kept = kept.map { record in
                var rebased = record
                rebased.timestampDelta = header.baseTimestamp &+ record.timestampDelta &- baseTimestamp
                return rebased
            }
        }
        var out = ByteBuffer()
        let written = Self.encode(kept, like: header, baseTimestamp: baseTimestamp, attributes: attributes, into: &out)
        return (out, written)
    }

    /// Attribute bit 6: `baseTimestamp` holds the delete horizon (KIP-534).
    static let deleteHorizonFlag: Int16 = 0x40
    /// Position of the CRC field in a v2 batch.
    private static let crcFieldOffset = 17

    /// Encodes `records` as an uncompressed v2 batch with the offsets, producer fields, max timestamp
    /// and `lastOffsetDelta` of `original` (so the batch covers exactly the offsets it did).
    static func encode(
        _ records: [Record], like original: RecordBatchHeader, baseTimestamp: Int64, attributes: Int16,
        into buffer: inout ByteBuffer
    ) -> RecordBatchHeader {
        var body = ByteBuffer()
        for record in records { record.encode(into: &body) }
        let batchLength = Int32(truncatingIfNeeded: RecordBatchHeader.size - RecordBatchHeader.lengthFieldEnd + body.readableBytes)
        func header(crc: UInt32) -> RecordBatchHeader {
            RecordBatchHeader(
                baseOffset: original.baseOffset, batchLength: batchLength,
                partitionLeaderEpoch: original.partitionLeaderEpoch, magic: original.magic, crc: crc,
                attributes: attributes & ~0x07, lastOffsetDelta: original.lastOffsetDelta,
                baseTimestamp: baseTimestamp, maxTimestamp: original.maxTimestamp,
                producerId: original.producerId, producerEpoch: original.producerEpoch,
                baseSequence: original.baseSequence, recordCount: Int32(truncatingIfNeeded: records.count)
            )
        }
        let start = buffer.writerIndex
        header(crc: 0).write(into: &buffer)
        buffer.writeBuffer(&body)
        let crc = CRC32C.checksum(buffer, range: (start + RecordBatchHeader.crcCoverageStart)..<buffer.writerIndex) ?? 0
        buffer.setInteger(crc, at: start + Self.crcFieldOffset)
        return header(crc: crc)
    }

    /// Removes the `.cleaned` files of the segment at `baseOffset`, if any.
    static func removeCleanedFiles(directory: String, baseOffset: Int64) {
        let stem = LogFileName.stem(baseOffset: baseOffset)
        for suffix in [LogFileName.logSuffix, LogFileName.indexSuffix, LogFileName.timeIndexSuffix] {
            try? Posix.remove("\(directory)/\(stem)\(suffix)\(Self.cleanedSuffix)")
        }
    }
}
