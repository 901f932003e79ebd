import Dispatch
import KappaClient
import Synchronization

/// Polls `condition` every 50 ms until it holds or `seconds` pass; returns whether it held.
func eventually(within seconds: Double = 10, _ condition: () throws -> Bool) async rethrows -> Bool {
    let deadline = DispatchTime.now() + seconds
    while DispatchTime.now() < deadline {
        if try condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try condition()
}

/// Delivery results as they arrive on the producer's thread, by a tag the test chose per record.
final class Deliveries: Sendable {
    private let results = Mutex<[String: ProducerClient.DeliveryResult]>([:])

    var all: [String: ProducerClient.DeliveryResult] { self.results.withLock { $0 } }

    func completion(_ tag: String) -> @Sendable (ProducerClient.DeliveryResult) -> Void {
        { result in self.results.withLock { $0[tag] = result } }
    }

    /// Waits for `count` results and returns the successful ones, failing on any error.
    func wait(for count: Int, within seconds: Double = 10) async throws -> [String: (partition: Int32, offset: Int64)] {
        guard await eventually(within: seconds, { self.all.count >= count }) else {
            throw TestFailure("only \(self.all.count) of \(count) delivery reports")
        }
        return try self.all.mapValues { try $0.get() }
    }
}

/// Records handed to a consumer's callback, and its errors.
final class Received: Sendable {
    private let records = Mutex<[ConsumedRecord]>([])
    private let errors = Mutex<[String]>([])

    var all: [ConsumedRecord] { self.records.withLock { $0 } }
    var allErrors: [String] { self.errors.withLock { $0 } }

    var onRecords: @Sendable ([ConsumedRecord]) -> Void {
        { batch in self.records.withLock { $0.append(contentsOf: batch) } }
    }

    var onError: @Sendable (String) -> Void {
        { error in self.errors.withLock { $0.append(error) } }
    }
}
