import Dispatch
import KappaClient
import Synchronization

/// Counts a producer's outstanding records and its failures, so a command can bound how much it queues
/// (stdin may be far larger than librdkafka's queue), wait for the last delivery, and report the first
/// failure in one line.
final class DeliveryTracker: Sendable {
    private struct State {
        var sent = 0
        var delivered = 0
        var failed = 0
        var firstFailure: String?
    }

    private let state = Mutex(State())
    /// Called on the producer's thread for each success (e.g. to print where a record landed).
    private let onDelivery: (@Sendable (_ partition: Int32, _ offset: Int64) -> Void)?

    init(onDelivery: (@Sendable (_ partition: Int32, _ offset: Int64) -> Void)? = nil) {
        self.onDelivery = onDelivery
    }

    var outstanding: Int { self.state.withLock { $0.sent - $0.delivered - $0.failed } }
    var delivered: Int { self.state.withLock { $0.delivered } }
    var sent: Int { self.state.withLock { $0.sent } }
    var failed: Int { self.state.withLock { $0.failed } }

    /// Sends one record through `producer` after waiting for room below `maxOutstanding`.
    func send(
        _ producer: ProducerClient, topic: String, partition: Int32?, key: [UInt8]?, value: [UInt8]?,
        headers: [(String, [UInt8]?)], timestamp: Int64?, maxOutstanding: Int = 20_000
    ) {
        while self.outstanding >= maxOutstanding {
            DedicatedSleep.milliseconds(2)
        }
        self.state.withLock { $0.sent += 1 }
        producer.send(
            topic: topic, partition: partition, key: key, value: value, headers: headers, timestamp: timestamp
        ) {
            result in
            switch result {
            case .success(let delivery):
                self.state.withLock { $0.delivered += 1 }
                self.onDelivery?(delivery.partition, delivery.offset)
            case .failure(let error):
                self.state.withLock { state in
                    state.failed += 1
                    if state.firstFailure == nil { state.firstFailure = error.description }
                }
            }
        }
    }

    /// Waits until every record sent has a delivery report, at most `seconds`; returns whether all did.
    func waitForAll(seconds: Double, progress: ((Int) -> Void)? = nil) -> Bool {
        let deadline = DispatchTime.now() + seconds
        while self.outstanding > 0 {
            guard DispatchTime.now() < deadline else { return false }
            progress?(self.delivered)
            DedicatedSleep.milliseconds(5)
        }
        return true
    }

    /// nil when everything sent was delivered, otherwise one line: how many failed and the first reason.
    var failureSummary: String? {
        self.state.withLock { state in
            let missing = state.sent - state.delivered
            guard missing > 0 else { return nil }
            let what =
                state.sent == 1
                ? "the record was not delivered" : "\(missing) of \(state.sent) records were not delivered"
            return what + (state.firstFailure.map { ": \($0)" } ?? " in time")
        }
    }
}
