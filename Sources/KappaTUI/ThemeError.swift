/// Why a theme could not be loaded, as one line for the command line or the log.
public struct ThemeError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { self.message }
}
