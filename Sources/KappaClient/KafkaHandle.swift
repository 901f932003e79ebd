import CRdKafka
import Dispatch
import Synchronization

/// Owns one `rd_kafka_t`: creates it with the logging callbacks installed, lends it to calls running on
/// any thread, and destroys it only once nobody borrows it, so `close()` racing a call cannot free it
/// under that call's feet.
final class KafkaHandle: Sendable {
    /// librdkafka handles are thread-safe for every call this module makes on them.
    private struct Raw: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    private struct State {
        var closed = false
        var borrowers = 0
    }

    private let raw: Raw
    private let state = Mutex(State())
    /// Signalled once the handle is destroyed; every `close` may wait on it.
    private let destroyed = DispatchSemaphore(value: 0)
    /// The thread running teardown, whose callbacks must not wait for that very teardown.
    private let closer = Mutex<DedicatedThread.ThreadID?>(nil)
    /// Kept for as long as the handle lives: librdkafka calls back into it until destroy returns.
    let context: CallbackContext
    /// librdkafka's name for the handle ("kappa-dashboard#producer-1"), for logs.
    let name: String

    /// `configure` adds kind-specific callbacks (delivery reports) to the conf before the handle exists.
    init(
        kind: rd_kafka_type_t, builder: ConfigurationBuilder, context: CallbackContext,
        configure: (OpaquePointer) -> Void = { _ in }
    ) throws {
        let conf = try builder.makeConf()
        context.install(on: conf)
        configure(conf)
        let (created, errorText) = CString.withErrorBuffer { rd_kafka_new(kind, conf, $0, $1) }
        guard let created else {
            rd_kafka_conf_destroy(conf)  // rd_kafka_new only takes the conf when it succeeds
            throw KafkaClientError(RD_KAFKA_RESP_ERR__INVALID_ARG, "cannot create the Kafka client: \(errorText)")
        }
        self.raw = Raw(pointer: created)
        self.context = context
        self.name = CString.string(rd_kafka_name(created))
        context.logger.debug("created \(self.name)", metadata: ["config": "\(builder.redactedDescription)"])
    }

    var isClosed: Bool {
        self.state.withLock { $0.closed }
    }

    /// Runs `body` with the handle; throws `KafkaClientError.closed` once `close` has begun.
    func withHandle<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        let open = self.state.withLock { state in
            guard !state.closed else { return false }
            state.borrowers += 1
            return true
        }
        guard open else { throw KafkaClientError(RD_KAFKA_RESP_ERR__DESTROY, "the client is closed") }
        defer { self.state.withLock { $0.borrowers -= 1 } }
        return try body(self.raw.pointer)
    }

    /// Stops lending the handle; then, on a thread of its own, waits for current borrowers, runs
    /// `teardown` and destroys the handle. Waits at most `waitMs` for all that (0: not at all), so closing
    /// is bounded even when librdkafka is not; later calls wait for the same destruction. Returns whether
    /// the handle was destroyed in that time.
    @discardableResult
    func close(waitMs: Int, teardown: @escaping @Sendable (OpaquePointer) -> Void = { _ in }) -> Bool {
        let first = self.state.withLock { state in
            defer { state.closed = true }
            return !state.closed
        }
        if first {
            DedicatedThread.start(name: "kappa-close") { [self] in
                self.closer.withLock { $0 = DedicatedThread.currentID() }
                while self.state.withLock({ $0.borrowers }) > 0 {
                    DedicatedThread.sleep(milliseconds: 2)
                }
                teardown(self.raw.pointer)
                rd_kafka_destroy(self.raw.pointer)
                self.context.logger.debug("destroyed \(self.name)")
                self.destroyed.signal()
            }
        }
        let onCloser = self.closer.withLock { $0?.isCurrent() ?? false }
        guard waitMs > 0, !onCloser, self.destroyed.wait(timeout: .now() + .milliseconds(waitMs)) == .success else { return false }
        self.destroyed.signal()  // for the next waiter
        return true
    }

    deinit {
        // close() keeps the handle alive until its thread destroyed it, so only never-closed handles remain.
        if !self.state.withLock({ $0.closed }) {
            rd_kafka_destroy(self.raw.pointer)
        }
    }
}
