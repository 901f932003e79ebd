/// Why a SCRAM exchange was abandoned; never holds the password.
struct ScramClientError: Error, Sendable {
    let message: String

    init(_ message: String) { self.message = message }
}
