import KappaWire
import Logging

extension PartitionLog {
    /// Loads the segments of `directory` and brings them to a consistent state (Kafka's
    /// `LogLoader`): orphaned index files are removed, missing or inconsistent indexes rebuilt by
    /// scanning their segment, and the last segment is rescanned from its last index entry so a
    /// batch torn by a crash (partial, or failing its CRC) is truncated away.
    static func load(directory: String, config: LogConfig, logger: Logger)
        throws -> (segments: [LogSegment], logStartOffset: Int64)
    {
        try Self.recoverCleaning(directory: directory, names: try Posix.listDirectory(directory), logger: logger)
        let names = try Posix.listDirectory(directory)
        let baseOffsets = names.compactMap { LogFileName.baseOffset(of: $0, suffix: LogFileName.logSuffix) }.sorted()
        let known = Set(baseOffsets)
        for name in names {
            let orphan = [LogFileName.indexSuffix, LogFileName.timeIndexSuffix].contains { suffix in
                LogFileName.baseOffset(of: name, suffix: suffix).map { !known.contains($0) } ?? false
            }
            if orphan || name.hasSuffix(".tmp") {
                logger.warning("recovered partition dir \(directory): removed leftover file \(name)")
                try Posix.remove("\(directory)/\(name)")
            }
        }
        let checkpoint = try Self.readLogStartOffset(directory: directory, logger: logger)
        let now = Posix.nowMilliseconds()

        guard !baseOffsets.isEmpty else {
            let base = max(checkpoint ?? 0, 0)
            let segment = try LogSegment.create(
                directory: directory,
                baseOffset: base,
                indexIntervalBytes: config.indexIntervalBytes,
                now: now
            )
            try Posix.syncDirectory(directory)
            return ([segment], base)
        }

        var segments: [LogSegment] = []
        for (number, baseOffset) in baseOffsets.enumerated() {
            let isLast = number == baseOffsets.count - 1
            let nextBase = isLast ? nil : baseOffsets[number + 1]
            let segment = try Self.loadSegment(
                directory: directory,
                baseOffset: baseOffset,
                nextBaseOffset: nextBase,
                config: config,
                logger: logger,
                now: now
            )
            segments.append(segment)
        }
        let first = segments.first?.baseOffset ?? 0
        let logEnd = segments.last?.nextOffset ?? first
        let logStart = min(max(checkpoint ?? first, first), logEnd)
        return (segments, logStart)
    }

    /// Opens one segment and makes its indexes and (for the last segment) its tail consistent.
    static func loadSegment(
        directory: String,
        baseOffset: Int64,
        nextBaseOffset: Int64?,
        config: LogConfig,
        logger: Logger,
        now: Int64
    ) throws -> LogSegment {
        let stem = LogFileName.stem(baseOffset: baseOffset)
        let logPath = "\(directory)/\(stem)\(LogFileName.logSuffix)"
        let indexPath = "\(directory)/\(stem)\(LogFileName.indexSuffix)"
        let timeIndexPath = "\(directory)/\(stem)\(LogFileName.timeIndexSuffix)"
        let indexExisted = PosixFile.exists(indexPath)
        let timeIndexExisted = PosixFile.exists(timeIndexPath)
        let log = try PosixFile.open(path: logPath)
        let indexFile = try PosixFile.open(path: indexPath)
        let timeIndexFile = try PosixFile.open(path: timeIndexPath)
        let offsetEntries = try OffsetIndex.readEntries(from: indexFile)
        let timeEntries = try TimeIndex.readEntries(from: timeIndexFile)
        let segment = LogSegment(
            baseOffset: baseOffset,
            log: log,
            offsetIndex: OffsetIndex(file: indexFile, entries: offsetEntries ?? []),
            timeIndex: TimeIndex(file: timeIndexFile, entries: timeEntries ?? []),
            indexIntervalBytes: config.indexIntervalBytes,
            createdMs: now
        )

        // Decide whether the indexes can be trusted.
        var problem: String?
        if !indexExisted || !timeIndexExisted {
            problem = "missing"
        } else if offsetEntries == nil {
            problem = "inconsistent (offset index size \(indexFile.size) is not a multiple of \(OffsetPosition.size))"
        } else if timeEntries == nil {
            problem = "inconsistent (time index size \(timeIndexFile.size) is not a multiple of "
                + "\(TimestampOffset.size))"
        } else if let why = segment.offsetIndex.inconsistency(logSize: log.size) {
            problem = "inconsistent (offset index \(why))"
        } else if let why = segment.timeIndex.inconsistency(relativeEnd: nextBaseOffset.map { $0 - baseOffset }) {
            problem = "inconsistent (time index \(why))"
        } else if let last = segment.offsetIndex.last {
            let expected = baseOffset + Int64(last.relativeOffset)
            let found = try segment.header(at: Int64(last.position))
            if found?.baseOffset != expected {
                problem = "inconsistent (last offset index entry points at position \(last.position), where no batch "
                    + "with offset \(expected) starts)"
            }
        }
        if problem == nil, let nextBaseOffset {
            // An older segment is not rescanned, but its end must be whole: a few KiB from the last entry.
            let start = segment.offsetIndex.last
            if let why = try segment.tailProblem(
                from: Int64(start?.position ?? 0),
                expectedOffset: baseOffset + Int64(start?.relativeOffset ?? 0),
                nextBaseOffset: nextBaseOffset
            ) {
                problem = "inconsistent (the segment \(why))"
            }
        }

        if let problem {
            if log.size > 0 {
                logger.warning("recovered partition dir \(directory): rebuilt \(problem) index for segment \(stem)")
            }
            try segment.offsetIndex.truncate(toCount: 0)
            try segment.timeIndex.truncate(toCount: 0)
            try indexFile.truncate(to: 0)
            try timeIndexFile.truncate(to: 0)
            // An older segment was synced whole when it rolled: damage in it is kept for reads to
            // report, never cut (cutting would also orphan every later segment).
            let result = try segment.recover(from: 0, expectedOffset: baseOffset,
                                             truncatingDamage: nextBaseOffset == nil)
            Self.report(result, segment: segment, directory: directory, logger: logger)
            if let nextBaseOffset {
                // Restore the final time-index entry a roll writes, as if it had just rolled.
                try segment.becomeInactive(syncFiles: false)
                if segment.nextOffset < nextBaseOffset {
                    let message = "recovered partition dir \(directory): segment \(stem) holds readable batches up to "
                        + "offset \(segment.nextOffset), the next segment starts at \(nextBaseOffset); offsets in "
                        + "between are unreadable or lost, later segments are kept"
                    logger.warning("\(message)")
                }
                segment.restore(nextOffset: nextBaseOffset)
            }
        } else if nextBaseOffset == nil {
            let start = segment.offsetIndex.last
            let result = try segment.recover(
                from: Int64(start?.position ?? 0),
                expectedOffset: baseOffset + Int64(start?.relativeOffset ?? 0)
            )
            Self.report(result, segment: segment, directory: directory, logger: logger)
        }
        if let nextBaseOffset, problem == nil {
            segment.restore(nextOffset: nextBaseOffset)
        }
        return segment
    }

    private static func report(_ result: LogSegment.RecoveryResult, segment: LogSegment, directory: String,
                               logger: Logger)
    {
        if let kept = result.keptDamage {
            let message = "corrupt data in \(segment.name) at position \(kept.position) (\(kept.reason)); the "
                + "segment was kept as is and reads of this partition stop there"
            logger.error("\(message)")
        }
        for corrupt in result.corrupt {
            let message = "corrupt record batch in \(segment.name) at position \(corrupt.position) (offsets "
                + "\(corrupt.offsets.lowerBound)...\(corrupt.offsets.upperBound)): CRC mismatch; valid batches follow "
                + "it, so it was kept and reads of this partition stop before it"
            logger.error("\(message)")
        }
        guard result.truncatedBytes > 0 else { return }
        let message = "recovered partition dir \(directory): truncated \(result.truncatedBytes) bytes of a torn batch "
            + "at position \(result.position) of \(LogFileName.stem(baseOffset: segment.baseOffset))"
            + "\(LogFileName.logSuffix) (\(result.reason)); log now ends at offset \(segment.nextOffset)"
        logger.warning("\(message)")
    }

    /// The log start offset saved by `deleteRecords`/retention, if any.
    private static func readLogStartOffset(directory: String, logger: Logger) throws -> Int64? {
        let path = "\(directory)/\(LogFileName.logStartOffset)"
        guard let text = try Posix.readSmallFile(path) else { return nil }
        guard let value = Int64(text.filter { !$0.isWhitespace }), value >= 0 else {
            logger.warning(
                "recovered partition dir \(directory): ignored unreadable \(LogFileName.logStartOffset) file"
            )
            return nil
        }
        return value
    }
}
