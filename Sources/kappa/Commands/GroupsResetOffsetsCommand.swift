import ArgumentParser
import KappaTUI

/// `kappa groups reset-offsets --group G --topic T --to-...`: a dry run printing the new offsets unless
/// `--execute`, as kafka-consumer-groups.sh --reset-offsets.
struct GroupsResetOffsetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset-offsets",
        abstract: "Move a group's committed offsets on every partition of a topic (a dry run without --execute).",
        discussion: "Give exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by. "
            + "The group must have no active members when --execute is given.")

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .long, help: "The consumer group.")
    var group: String

    @Option(name: .long, help: "The topic whose partitions are reset.")
    var topic: String

    @Flag(name: .long, help: "To each partition's first offset.")
    var toEarliest = false

    @Flag(name: .long, help: "To each partition's end (nothing left to read).")
    var toLatest = false

    @Option(
        name: .long,
        help: ArgumentHelp("To this offset on every partition (kept within the partition's range).", valueName: "N"))
    var toOffset: Int64?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "To the first record at or after this time: 2026-01-31T12:00:00[.000][Z|+01:00] (local time without a zone) or milliseconds since the epoch.",
            valueName: "datetime"))
    var toDatetime: String?

    @Option(
        name: .long, parsing: .unconditional,
        help: ArgumentHelp("Move the committed offsets by N (negative: back).", valueName: "N"))
    var shiftBy: Int64?

    @Flag(name: .long, help: "Apply the new offsets (without it, only print them).")
    var execute = false

    func validate() throws {
        _ = try self.spec()
    }

    func spec() throws -> OffsetSpec {
        var specs: [(String, OffsetSpec)] = []
        if self.toEarliest { specs.append(("--to-earliest", .earliest)) }
        if self.toLatest { specs.append(("--to-latest", .latest)) }
        if let toOffset {
            guard toOffset >= 0 else { throw ValidationError("--to-offset must not be negative") }
            specs.append(("--to-offset", .offset(toOffset)))
        }
        if let toDatetime {
            guard let ms = DateTimeArgument.milliseconds(toDatetime) else {
                throw ValidationError("--to-datetime: '\(toDatetime)' is not a date like 2026-01-31T12:00:00.000")
            }
            specs.append(("--to-datetime", .datetime(ms)))
        }
        if let shiftBy { specs.append(("--shift-by", .shiftBy(shiftBy))) }
        guard specs.count == 1, let spec = specs.first?.1 else {
            throw ValidationError(
                specs.isEmpty
                    ? "give one of --to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by"
                    : "give only one of " + specs.map(\.0).joined(separator: ", "))
        }
        return spec
    }

    func run() throws {
        let connection = try self.connection.connect()
        let command = AdminCommand.resetOffsets(
            group: self.group, topic: self.topic, to: try self.spec(), execute: self.execute)
        try StandardOutput.print(try connection.withAdmin { try AdminRunner(admin: $0).execute(command) })
    }
}
