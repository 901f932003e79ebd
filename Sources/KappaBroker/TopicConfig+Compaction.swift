import Foundation
import KappaLog

extension TopicConfig {
    /// Maps the topic configs that drive compaction onto `base`: `cleanup.policy` ("compact",
    /// "delete", or both, comma-separated), `delete.retention.ms`, `min.compaction.lag.ms`,
    /// `max.compaction.lag.ms`, `min.cleanable.dirty.ratio` and `segment.ms`. Values that do not
    /// parse leave the setting as it was; refusing them is `validationError`'s job.
    static func applyCompaction(_ configs: [String: String], to base: LogConfig) -> LogConfig {
        var config = base
        if let value = configs["cleanup.policy"] {
            var policy: LogConfig.CleanupPolicy = []
            for part in value.split(separator: ",") {
                switch part.trimmingCharacters(in: .whitespaces).lowercased() {
                case "compact": policy.insert(.compact)
                case "delete": policy.insert(.delete)
                default: break
                }
            }
            if !policy.isEmpty { config.cleanupPolicy = policy }
        }
        if let value = configs["delete.retention.ms"].flatMap(Int64.init), value >= 0 { config.deleteRetentionMs = value }
        if let value = configs["min.compaction.lag.ms"].flatMap(Int64.init), value >= 0 { config.minCompactionLagMs = value }
        if let value = configs["max.compaction.lag.ms"].flatMap(Int64.init), value >= 1 { config.maxCompactionLagMs = value }
        if let value = configs["min.cleanable.dirty.ratio"].flatMap(Double.init), value >= 0, value <= 1 {
            config.minCleanableDirtyRatio = value
        }
        if let value = configs["segment.ms"].flatMap(Int64.init), value >= 1 { config.segmentMs = value }
        return config
    }
}
