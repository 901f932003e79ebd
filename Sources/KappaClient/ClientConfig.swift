/// Where and how a client connects. Kept small on purpose: anything librdkafka understands can be
/// passed through `properties`, which are applied last so they override the defaults chosen here.
public struct ClientConfig: Sendable {
    /// `bootstrap.servers`, for example "127.0.0.1:9092".
    public var bootstrapServers: String
    /// `client.id`, shown by the broker in group member listings.
    public var clientId: String = "kappa-dashboard"
    /// Any librdkafka property, applied after the defaults. Values of keys containing "password" or
    /// "secret" are never logged nor put into error messages.
    public var properties: [String: String] = [:]
    /// Upper bound for one admin request (request and operation timeout), in milliseconds.
    public var requestTimeoutMs: Int32 = 10_000

    public init(bootstrapServers: String) {
        self.bootstrapServers = bootstrapServers
    }
}
