#if KAPPA_FUZZ_BROKER
import Dispatch

/// Keeps closed sessions alive for a few seconds. The broker's maintenance timer (a `DispatchQueue`
/// closure, due one second after `startMaintenance`) holds the broker until it fires; if that were the
/// last reference, the broker, its group ticker and so the `EmbeddedEventLoop` would be freed on the
/// dispatch thread, which `EmbeddedEventLoop` forbids. Held here, they are freed on the fuzzing thread.
enum SessionGraveyard {
    private static let retentionNanoseconds: UInt64 = 3_000_000_000
    /// Only libFuzzer's one thread runs inputs, so only it touches this.
    nonisolated(unsafe) private static var sessions: [(until: UInt64, session: BrokerSession)] = []

    static func keep(_ session: BrokerSession) {
        let now = DispatchTime.now().uptimeNanoseconds
        Self.sessions.append((now + Self.retentionNanoseconds, session))
        let expired = Self.sessions.firstIndex { $0.until > now } ?? Self.sessions.endIndex
        Self.sessions.removeFirst(expired)
    }
}
#endif
