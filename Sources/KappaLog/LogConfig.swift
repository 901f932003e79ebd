import KappaWire

/// Per-partition log settings, with Kafka's defaults (`LogConfig` / `ServerLogConfigs`).
public struct LogConfig: Sendable, Equatable {
    /// Roll to a new segment before the active one would exceed this size (`segment.bytes`).
    /// Segments are capped at 2 GiB regardless, because index positions are 32-bit.
    public var segmentBytes: Int
    /// Roll to a new segment once the active one spans this much time (`segment.ms`), measured
    /// with record timestamps like Kafka, so replayed old data does not roll on every append;
    /// `nil` rolls by size only.
    public var segmentMs: Int64?
    /// Bytes of log between two sparse offset-index entries (`index.interval.bytes`).
    public var indexIntervalBytes: Int
    /// Delete segments whose newest record is older than this (`retention.ms`); `nil` keeps forever.
    public var retentionMs: Int64?
    /// Delete the oldest segments while the log is larger than this (`retention.bytes`); `nil` = unlimited.
    public var retentionBytes: Int64?
    /// When appends are synced to disk.
    public var flush: FlushPolicy
    /// Largest batch a producer may send (`max.message.bytes`); enforced by the broker, carried here.
    public var maxMessageBytes: Int
    /// `message.timestamp.type`: keep the producer's timestamps (CreateTime) or stamp each batch
    /// with the broker's clock on append (LogAppendTime, see `stampingLogAppendTime`).
    public var messageTimestampType: TimestampType = .createTime
    /// `cleanup.policy`: delete old segments (retention), compact them (keep the latest record of
    /// each key), or both.
    public var cleanupPolicy: CleanupPolicy = .delete
    /// How long a tombstone (null value) survives compaction once its segment is cleaned (`delete.retention.ms`).
    public var deleteRetentionMs: Int64 = 86_400_000
    /// A record is not compacted until it is at least this old (`min.compaction.lag.ms`).
    public var minCompactionLagMs: Int64 = 0
    /// A record is compacted at the latest this long after it was written, whatever the dirty ratio (`max.compaction.lag.ms`).
    public var maxCompactionLagMs: Int64 = Int64.max
    /// Clean once this share of the log is uncleaned (`min.cleanable.dirty.ratio`).
    public var minCleanableDirtyRatio: Double = 0.5

    /// Kafka's `cleanup.policy` values.
    public struct CleanupPolicy: OptionSet, Sendable, Hashable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let delete = CleanupPolicy(rawValue: 1)
        public static let compact = CleanupPolicy(rawValue: 2)
    }

    public init(
        segmentBytes: Int = 1 << 30,
        segmentMs: Int64? = 7 * 24 * 3_600_000,
        indexIntervalBytes: Int = 4096,
        retentionMs: Int64? = 7 * 24 * 3_600_000,
        retentionBytes: Int64? = nil,
        flush: FlushPolicy = .interval(milliseconds: 1000),
        maxMessageBytes: Int = 1_048_588
    ) {
        self.segmentBytes = segmentBytes
        self.segmentMs = segmentMs
        self.indexIntervalBytes = indexIntervalBytes
        self.retentionMs = retentionMs
        self.retentionBytes = retentionBytes
        self.flush = flush
        self.maxMessageBytes = maxMessageBytes
    }

    /// `segmentBytes` clamped to what a segment can address (positions are Int32 in the index).
    var effectiveSegmentBytes: Int { min(max(self.segmentBytes, 1), Int(Int32.max)) }
}
