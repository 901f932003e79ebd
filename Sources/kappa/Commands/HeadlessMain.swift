import ArgumentParser
import Foundation
import Logging

/// Entry point for `kappa topics|produce|consume|groups|transactions|export|import`: scriptable commands whose every
/// failure, a mistyped option included, ends with exactly one line `kappa: <reason>` on stderr and a
/// non-zero status. Other command lines go to swift-argument-parser's usual `main`.
enum HeadlessMain {
    static let commandNames: Set<String> = ["topics", "produce", "consume", "groups", "transactions", "export", "import"]

    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let first = arguments.first, Self.commandNames.contains(first) else {
            await Kappa.main(nil)
            return
        }
        if let unknown = Self.unknownSubcommand(arguments) {
            Self.fail(unknown, status: ExitCode.validationFailure.rawValue)
        }
        Self.bootstrapLogging()
        // A closed stdout pipe shows up as EPIPE from write (StandardOutput), not as a signal.
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try Kappa.parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CommandFailure {
            Self.fail(failure.description, status: failure.exitCode)
        } catch is StandardOutput.Closed {
            exit(141)  // as if killed by SIGPIPE: the reader went away, nothing to report
        } catch {
            let code = Kappa.exitCode(for: error)
            if code == .success {
                Kappa.exit(withError: error)  // --help, --version: printed on stdout
            }
            Self.fail(Kappa.message(for: error), status: code.rawValue)
        }
    }

    /// `kappa topics frob`: argument-parser would call "frob" an unexpected argument.
    static func unknownSubcommand(_ arguments: [String]) -> String? {
        guard arguments.count > 1, !arguments[1].hasPrefix("-"), arguments[1] != "help" else { return nil }
        let subcommands: [any ParsableCommand.Type]
        switch arguments[0] {
        case "topics": subcommands = TopicsCommand.configuration.subcommands
        case "groups": subcommands = GroupsCommand.configuration.subcommands
        case "transactions": subcommands = TransactionsCommand.configuration.subcommands
        default: return nil
        }
        var names: [String] = []
        for subcommand in subcommands {
            if let name = subcommand.configuration.commandName { names.append(name) }
        }
        guard !names.contains(arguments[1]) else { return nil }
        return "unknown command 'kappa \(arguments[0]) \(arguments[1])' (try: \(names.joined(separator: ", ")))"
    }

    /// One line on stderr (the first non-empty line of `message`; nothing for a bare exit code), then exit.
    static func fail(_ message: String, status: Int32) -> Never {
        let line = message.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .first { !$0.isEmpty }
        if let line {
            let text = line.hasPrefix("Error: ") ? String(line.dropFirst(7)) : line
            FileHandle.standardError.write(Data("kappa: \(text)\n".utf8))
        }
        exit(status == 0 ? 1 : status)
    }

    /// Client logs stay off stderr (its one line belongs to the reason of a failure) unless
    /// `KAPPA_LOG=trace|debug|info|notice|warning|error` asks for them.
    static func bootstrapLogging() {
        let level = ProcessInfo.processInfo.environment["KAPPA_LOG"].flatMap { Logger.Level(rawValue: $0.lowercased()) }
        LoggingSystem.bootstrap { label in
            guard let level else { return SwiftLogNoOpLogHandler() }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
