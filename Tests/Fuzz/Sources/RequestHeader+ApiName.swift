import KappaWire

/// `SaslGate` (compiled into the harness from Sources/KappaServer) names APIs in its close reasons
/// with this; in the server it comes with `KafkaConnectionHandler`, which the harness leaves out.
extension RequestHeader {
    var apiName: String { ApiKey(rawValue: self.apiKey)?.name ?? "API \(self.apiKey)" }
}
