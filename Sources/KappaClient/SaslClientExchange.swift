/// The tokens of one SASL authentication as a client, whatever the mechanism: `first` goes out in the first
/// SaslAuthenticate, and each server answer gives the next token or nil when the exchange is complete (for
/// SCRAM only after the server's signature checked out).
struct SaslClientExchange: Sendable {
    private enum State: Sendable {
        case plain
        case scramAwaitingServerFirst(ScramClient)
        case scramAwaitingServerFinal(ScramClient)
        case done
    }

    let first: [UInt8]
    private var state: State

    init(_ sasl: KafkaConnectionSecurity.Sasl) {
        switch sasl.mechanism {
        case .plain:
            // RFC 4616: authzid NUL authcid NUL passwd, with an empty authzid.
            self.first = [0] + Array(sasl.username.utf8) + [0] + Array(sasl.password.utf8)
            self.state = .plain
        case .scramSha256, .scramSha512:
            let scram = ScramClient(
                hash: sasl.mechanism == .scramSha256 ? .sha256 : .sha512, username: sasl.username, password: sasl.password)
            self.first = scram.clientFirst
            self.state = .scramAwaitingServerFirst(scram)
        }
    }

    /// The next token for the server's `answer`, or nil when authentication is complete.
    mutating func receive(_ answer: [UInt8]) throws(ScramClientError) -> [UInt8]? {
        switch self.state {
        case .plain:
            self.state = .done
            return nil
        case .scramAwaitingServerFirst(var scram):
            let final = try scram.clientFinal(serverFirst: answer)
            self.state = .scramAwaitingServerFinal(scram)
            return final
        case .scramAwaitingServerFinal(let scram):
            self.state = .done
            try scram.verify(serverFinal: answer)
            return nil
        case .done:
            throw ScramClientError("the exchange had already ended")
        }
    }
}
