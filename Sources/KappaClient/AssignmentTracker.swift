import CRdKafka
import Logging
import Synchronization

/// A group consumer's partitions and pause state, maintained by the rebalance callback: `assignment`
/// is then answered without a round trip to librdkafka's group thread, and partitions assigned while
/// paused are paused at once (librdkafka itself would start fetching them).
final class AssignmentTracker: Sendable {
    private struct State {
        var paused = false
        var partitions: Set<TopicPartition> = []
    }

    private let state = Mutex(State())

    var partitions: [TopicPartition] {
        self.state.withLock { $0.partitions.sorted() }
    }

    var isPaused: Bool {
        self.state.withLock { $0.paused }
    }

    /// Applies a rebalance as librdkafka's documentation prescribes, for eager and cooperative assignors.
    /// Runs on the consumer's poll thread (inside `rd_kafka_consumer_poll`) or inside consumer close.
    func rebalance(
        _ handle: OpaquePointer, _ event: rd_kafka_resp_err_t, _ list: PartitionList.Pointer?, logger: Logger
    ) {
        let cooperative = CString.string(rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE"
        let changed = PartitionList.partitions(list)
        self.state.withLock { state in
            switch event {
            case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
                if cooperative {
                    Self.check(rd_kafka_incremental_assign(handle, list), "incremental assign", logger)
                    state.partitions.formUnion(changed)
                } else {
                    Self.check(rd_kafka_assign(handle, list), "assign", logger)
                    state.partitions = Set(changed)
                }
                if state.paused, let list {
                    Self.check(rd_kafka_pause_partitions(handle, list), "pause new partitions", logger)
                }
                logger.debug("assigned \(changed.count) partition(s)", metadata: ["partitions": "\(changed)"])
            case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
                if cooperative {
                    Self.check(rd_kafka_incremental_unassign(handle, list), "incremental unassign", logger)
                    state.partitions.subtract(changed)
                } else {
                    Self.check(rd_kafka_assign(handle, nil), "unassign", logger)
                    state.partitions.removeAll()
                }
                logger.debug("revoked \(changed.count) partition(s)", metadata: ["partitions": "\(changed)"])
            default:
                logger.warning("rebalance failed: \(String(cString: rd_kafka_err2str(event)))")
                Self.check(rd_kafka_assign(handle, nil), "unassign", logger)
                state.partitions.removeAll()
            }
        }
    }

    /// Records the pause state and applies it to the current partitions while rebalances wait.
    func setPaused(_ paused: Bool, apply: ([TopicPartition]) -> Void) {
        self.state.withLock { state in
            state.paused = paused
            apply(state.partitions.sorted())
        }
    }

    private static func check(_ error: rd_kafka_resp_err_t, _ what: String, _ logger: Logger) {
        if error != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning("\(what) failed: \(String(cString: rd_kafka_err2str(error)))")
        }
    }

    private static func check(_ error: OpaquePointer?, _ what: String, _ logger: Logger) {
        if let error {
            logger.warning("\(KafkaClientError(consuming: error, doing: "\(what) failed"))")
        }
    }
}
