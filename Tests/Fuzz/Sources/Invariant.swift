/// The harness's checks. Unlike `precondition`, which loses its message in optimized builds, these
/// print what broke before trapping, so libFuzzer's log says why it kept an input.
enum Invariant {
    static func require(
        _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String = "",
        file: StaticString = #fileID, line: UInt = #line
    ) {
        if !condition() { Self.fail(message(), file: file, line: line) }
    }

    static func fail(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
        fatalError("invariant broken: \(message)", file: file, line: line)
    }
}
