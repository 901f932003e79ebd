/// Why a produce failed, as one line for Producer-Term's send line.
public struct ProduceFailure: Error, Equatable, Sendable {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }
}
