/// What one cleaning pass of a log works on, captured under the partition's lock
/// (`PartitionLog.cleaningPlan`) so that the pass itself needs no lock: the closed segments by
/// path (the cleaner opens descriptors of its own), and where the dirty section begins and ends.
public struct CleaningPlan: Sendable {
    /// One closed segment.
    public struct Source: Sendable {
        public var baseOffset: Int64
        /// The next segment's base offset: this segment covers `baseOffset..<endOffset`.
        public var endOffset: Int64
        /// The `.log` file.
        public var path: String
        public var size: Int64
    }

    public var directory: String
    /// Closed segments from the log start up to `cleanableEndOffset`, oldest first.
    public var sources: [Source]
    /// The clean point: the dirty section (which the offset map covers) starts here.
    public var firstDirtyOffset: Int64
    /// The end of what may be cleaned: the active segment, an open transaction, or a segment
    /// younger than `min.compaction.lag.ms` starts here.
    public var cleanableEndOffset: Int64
    public var config: LogConfig
    /// Whether a record has waited longer than `max.compaction.lag.ms` (clean whatever the ratio).
    public var isOverdue: Bool
    /// A tombstone's delete horizon has passed: a pass is due to remove it, dirty or not.
    public var hasExpiredTombstones = false

    /// Bytes of segments wholly below the clean point.
    public var cleanBytes: Int64 { self.sources.filter { $0.endOffset <= self.firstDirtyOffset }.reduce(0) { $0 + $1.size } }
    /// Bytes of segments in the dirty section.
    public var dirtyBytes: Int64 { self.sources.filter { $0.endOffset > self.firstDirtyOffset }.reduce(0) { $0 + $1.size } }
    /// Kafka's cleanable ratio: dirty bytes over all cleanable bytes (0 when there are none).
    public var dirtyRatio: Double {
        let total = self.cleanBytes + self.dirtyBytes
        return total == 0 ? 0 : Double(self.dirtyBytes) / Double(total)
    }
    /// Whether a pass is due: enough of the log is dirty (`min.cleanable.dirty.ratio`), or a record
    /// waited too long (`max.compaction.lag.ms`).
    public var isDue: Bool {
        (self.dirtyBytes > 0 && (self.dirtyRatio >= self.config.minCleanableDirtyRatio || self.isOverdue))
            || self.hasExpiredTombstones
    }
}
