import KappaWire
import Logging

/// Compaction hooks of the partition log; the cleaning itself (`LogCleaner`) runs without the
/// partition's lock, and only `cleaningPlan`, `completeCleaning` and `rollIfIdle` need it.
///
/// The swap of one cleaned segment `S` (1:1: each cleaned segment replaces the one it was made
/// from, so its offset range is known without reading it), like Kafka's `.cleaned`/`.swap` steps:
/// 1. the cleaner has written and synced `S.log.cleaned`, `S.index.cleaned`, `S.timeindex.cleaned`;
/// 2. rename `S.index.cleaned` and `S.timeindex.cleaned` to `.swap`, then `S.log.cleaned` to
///    `S.log.swap` (the commit point), sync the directory;
/// 3. rename each `.swap` over its original (atomic replacement), sync the directory.
/// Recovery (`recoverCleaning`) undoes a swap while `S.log.cleaned` exists and otherwise finishes
/// it. A cleaned segment with no batches left replaces nothing: the original is deleted, `.log` first.
/// Segments are swapped oldest first, each durable before the next, so a tombstone is never gone
/// while an older value it deleted is still on disk.
extension PartitionLog {
    /// File holding `firstDirtyOffset`.
    static let cleanerCheckpointName = "cleaner-offset-checkpoint"

    /// The plan of a cleaning pass, or `nil` for a log that is not compacted, in memory, closed, or
    /// has no closed segment past the log start. `firstUnstableOffset` (an open transaction's
    /// first offset) bounds what may be cleaned, as Kafka cleans only below the last stable offset.
    public func cleaningPlan(now: Int64, firstUnstableOffset: Int64?) -> CleaningPlan? {
        guard !self.isClosed, let directory = self.directory, self.config.cleanupPolicy.contains(.compact),
            self.segments.count > 1
        else { return nil }
        var end = self.segments[self.segments.count - 1].baseOffset
        if let firstUnstableOffset { end = min(end, firstUnstableOffset) }
        var sources: [CleaningPlan.Source] = []
        var isOverdue = false
        let firstDirty = max(self.firstDirtyOffset, self.logStartOffset)
        for index in 0..<(self.segments.count - 1) {
            let segment = self.segments[index]
            let next = self.segments[index + 1].baseOffset
            guard next <= end, next > self.logStartOffset else {
                if next > end { break } else { continue }
            }
            // min.compaction.lag.ms: this and everything after it is too young to clean.
            let newest = segment.maxTimestamp >= 0 ? segment.maxTimestamp : segment.log.lastModifiedMs
            if self.config.minCompactionLagMs > 0, now - newest < self.config.minCompactionLagMs { break }
            if next > firstDirty, self.config.maxCompactionLagMs < Int64.max,
                let first = try? segment.header(at: 0), first.maxTimestamp >= 0,
                now - first.maxTimestamp > self.config.maxCompactionLagMs
            {
                isOverdue = true
            }
            guard let file = segment.log as? PosixFile else { return nil }
            sources.append(CleaningPlan.Source(baseOffset: segment.baseOffset, endOffset: next, path: file.path,
                                               size: segment.size))
        }
        guard let last = sources.last else { return nil }
        var plan = CleaningPlan(directory: directory, sources: sources, firstDirtyOffset: firstDirty,
                                cleanableEndOffset: last.endOffset, config: self.config, isOverdue: isOverdue)
        plan.hasExpiredTombstones = self.pendingDeleteHorizon.map { $0 <= now } ?? false
        return plan
    }

    /// Swaps the segments of a finished pass in for the originals (under the partition's lock) and
    /// moves the clean point. A segment that retention or DeleteRecords removed during the pass is
    /// skipped (its cleaned files are deleted). Readers that hold a replaced file's descriptor (a
    /// zero-copy fetch in flight) keep reading the original, which lives on until they close it.
    ///
    /// - Returns: the number of segments replaced or removed.
    @discardableResult
    public func completeCleaning(_ result: LogCleaner.Result) throws -> Int {
        guard !self.isClosed, let directory = self.directory, directory == result.directory else {
            for segment in result.segments {
                LogCleaner.removeCleanedFiles(directory: result.directory, baseOffset: segment.baseOffset)
            }
            return 0
        }
        var swapped = 0
        for (position, cleaned) in result.segments.enumerated() where !cleaned.isUnchanged {
            guard let index = self.segments.firstIndex(where: { $0.baseOffset == cleaned.baseOffset }),
                index < self.segments.count - 1
            else {
                LogCleaner.removeCleanedFiles(directory: directory, baseOffset: cleaned.baseOffset)
                continue
            }
            do {
                try self.swap(cleaned, at: index, directory: directory)
            } catch {
                for rest in result.segments[(position + 1)...] {
                    LogCleaner.removeCleanedFiles(directory: directory, baseOffset: rest.baseOffset)
                }
                throw error
            }
            swapped += 1
        }
        self.firstDirtyOffset = max(self.firstDirtyOffset, result.cleanedUpTo)
        self.pendingDeleteHorizon = result.earliestDeleteHorizon
        // The horizon goes with the clean point, so tombstones waiting for it still go after a restart.
        let horizon = self.pendingDeleteHorizon.map { "\($0)\n" } ?? ""
        try Posix.writeAtomically("\(self.firstDirtyOffset)\n\(horizon)", to: "\(directory)/\(Self.cleanerCheckpointName)",
                                  directory: directory)
        return swapped
    }

    /// Replaces `segments[index]` by its cleaned copy (or removes it if the copy is empty).
    private func swap(_ cleaned: LogCleaner.CleanedSegment, at index: Int, directory: String) throws {
        let original = self.segments[index]
        let stem = "\(directory)/\(LogFileName.stem(baseOffset: cleaned.baseOffset))"
        if cleaned.isEmpty {
            self.segments.remove(at: index)
            try original.delete()
            try Posix.syncDirectory(directory)
            if index == 0, let first = self.segments.first, first.baseOffset > self.logStartOffset {
                self.logStartOffset = first.baseOffset
                try self.persistLogStartOffset()
            }
            self.logger.debug("cleaner removed \(original.name): no record left")
            return
        }
        let suffixes = [LogFileName.indexSuffix, LogFileName.timeIndexSuffix, LogFileName.logSuffix]
        for suffix in suffixes {
            try Posix.rename("\(stem)\(suffix)\(LogCleaner.cleanedSuffix)", to: "\(stem)\(suffix)\(LogCleaner.swapSuffix)")
        }
        try Posix.syncDirectory(directory)
        // Committed: from here a crash finishes the swap at the next open.
        try? original.close()
        for suffix in suffixes.reversed() {
            try Posix.rename("\(stem)\(suffix)\(LogCleaner.swapSuffix)", to: "\(stem)\(suffix)")
        }
        try Posix.syncDirectory(directory)
        let replacement = try Self.loadSegment(
            directory: directory, baseOffset: cleaned.baseOffset, nextBaseOffset: self.segments[index + 1].baseOffset,
            config: self.config, logger: self.logger, now: Posix.nowMilliseconds()
        )
        self.segments[index] = replacement
    }

    /// Rolls a non-empty active segment that is older than `segment.ms` (measured on the wall
    /// clock from its creation or load), so an idle compacted log's last records become cleanable;
    /// Kafka rolls only on the next append, which an idle log never gets.
    @discardableResult
    public func rollIfIdle(now: Int64) throws -> Bool {
        guard !self.isClosed, let segmentMs = self.config.segmentMs, let active = self.activeSegment, !active.isEmpty,
            now - active.createdMs > segmentMs
        else { return false }
        try self.roll(at: active.nextOffset, now: now)
        return true
    }

    /// Finishes or undoes swaps a crash interrupted (see the type's description), before the
    /// segments are loaded: `S.log.cleaned` present means not committed (remove every `.cleaned`
    /// and `.swap` file of `S`); otherwise `.swap` files are renamed over their originals.
    static func recoverCleaning(directory: String, names: [String], logger: Logger) throws {
        let leftovers = names.filter { $0.hasSuffix(LogCleaner.cleanedSuffix) || $0.hasSuffix(LogCleaner.swapSuffix) }
        guard !leftovers.isEmpty else { return }
        let uncommitted = Set(leftovers.compactMap { name -> Substring? in
            let logCleaned = LogFileName.logSuffix + LogCleaner.cleanedSuffix
            return name.hasSuffix(logCleaned) ? name.dropLast(logCleaned.count) : nil
        })
        for name in leftovers {
            let stem = name.prefix(20)
            let path = "\(directory)/\(name)"
            if name.hasSuffix(LogCleaner.cleanedSuffix) || uncommitted.contains(stem) {
                logger.warning("recovered partition dir \(directory): removed \(name) of an unfinished cleaning")
                try Posix.remove(path)
            } else {
                let target = String(name.dropLast(LogCleaner.swapSuffix.count))
                logger.warning("recovered partition dir \(directory): finished the swap of cleaned \(target)")
                try Posix.rename(path, to: "\(directory)/\(target)")
            }
        }
        try Posix.syncDirectory(directory)
    }

    /// The clean point and pending delete horizon saved by the last pass, if any: one number a line.
    static func readCleanerCheckpoint(directory: String, logger: Logger) -> (offset: Int64, horizon: Int64?)? {
        guard let text = try? Posix.readSmallFile("\(directory)/\(Self.cleanerCheckpointName)") else { return nil }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.filter { !$0.isWhitespace } }
        guard let first = lines.first, let value = Int64(first), value >= 0 else {
            logger.warning("recovered partition dir \(directory): ignored unreadable \(Self.cleanerCheckpointName)")
            return nil
        }
        return (value, lines.dropFirst().first.flatMap { Int64($0) })
    }
}
