/// Why a headless command failed, in one line; `HeadlessMain` prints it as `kappa: <description>`.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    /// The process's exit status.
    var exitCode: Int32 = 1

    init(_ description: String, exitCode: Int32 = 1) {
        self.description = description
        self.exitCode = exitCode
    }
}
