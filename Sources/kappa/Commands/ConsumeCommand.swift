import ArgumentParser
import KappaClient

/// `kappa consume TOPIC`: records to stdout, as kcat -C (plain reader) or kcat -G (group member).
struct ConsumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Print a topic's records on stdout.",
        discussion: """
            Without -G every partition is read from -o without joining any group or committing. With \
            -G GROUP the consumer joins the group, starts at the group's committed offsets (at -o \
            beginning|end where it has none) and commits what it printed. Runs until Ctrl-C, -c or -e.

            Default output: KEY:VALUE per record (VALUE alone when the key is null).
            -f tokens:  %t topic  %p partition  %o offset  %T timestamp (ms)
                        %k key  %s value  %K %S key/value length (-1 for null)
                        %h headers (name=value,...)  %%  \\n \\t \\r \\\\
            """)

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "The topic to read.")
    var topic: String

    @Option(
        name: .customShort("G", allowingJoined: true),
        help: ArgumentHelp(
            "Join this consumer group (and commit offsets) instead of reading every partition on its own.",
            valueName: "group"))
    var group: String?

    @Option(
        name: .customShort("o", allowingJoined: true), parsing: .unconditional,
        help: ArgumentHelp(
            "Where to start: \(StartOffset.help). With -G only beginning or end, for partitions without a committed offset.",
            valueName: "offset"))
    var start: StartOffset = .beginning

    @Option(name: [.customShort("p"), .long], help: "Read only this partition (not with -G).")
    var partition: Int32?

    @Flag(name: .customShort("e"), help: "Exit once the end of every partition is reached.")
    var exitAtEnd = false

    @Option(name: .customShort("c"), help: ArgumentHelp("Exit after this many records.", valueName: "count"))
    var count: Int?

    @Option(
        name: .customShort("f"),
        help: ArgumentHelp("Output format per record, as kcat's (tokens below).", valueName: "format"))
    var format: String?

    @Flag(
        name: .long,
        help:
            "One JSON object per line: topic, partition, offset, timestamp, key, value (base64 with key_b64/value_b64 when not UTF-8), headers."
    )
    var json = false

    func validate() throws {
        if self.json, self.format != nil { throw ValidationError("give --json or -f, not both") }
        if let count, count < 1 { throw ValidationError("-c must be at least 1") }
        if let format { _ = try Self.recordFormat(format) }
        if self.group != nil {
            if self.partition != nil {
                throw ValidationError("-p cannot be combined with -G (the group assigns partitions)")
            }
            if self.start != .beginning, self.start != .end {
                throw ValidationError(
                    "with -G, -o takes only beginning or end; move a group's offsets with `kappa groups reset-offsets`")
            }
        }
        if let partition, partition < 0 { throw ValidationError("--partition must not be negative") }
    }

    static func recordFormat(_ text: String) throws -> RecordFormat {
        do {
            return try RecordFormat(text)
        } catch {
            throw ValidationError("-f: \(error)")
        }
    }

    func run() throws {
        let connection = try self.connection.connect()
        let render = try self.renderer()
        // Partitions to read and which of them are done before reading anything (for -e).
        var starts: [TopicPartition: (offset: Int64, atEnd: Bool)] = [:]
        try connection.withAdmin { admin in
            let info = try connection.topic(self.topic, admin: admin)
            guard self.group == nil else { return }
            var partitions = info.partitions.map { TopicPartition(topic: self.topic, partition: $0.id) }
            if let partition = self.partition {
                guard partitions.contains(where: { $0.partition == partition }) else {
                    throw CommandFailure(
                        "topic '\(self.topic)' has no partition \(partition) (it has \(partitions.count))")
                }
                partitions = [TopicPartition(topic: self.topic, partition: partition)]
            }
            starts = try self.start.resolve(partitions, admin: admin, timeoutMs: connection.timeoutMs)
        }
        let errors = ConsumerErrors()
        var config = connection.config
        if self.exitAtEnd, config.properties["fetch.wait.max.ms"] == nil {
            // The end of a partition is only reported once a fetch comes back empty: do not let the
            // broker hold that fetch for librdkafka's default half second.
            config.properties["fetch.wait.max.ms"] = "50"
        }
        let consumer = try connection.wrap {
            try StreamConsumer(
                config: config, groupId: self.group, autoOffsetReset: self.start == .end ? "latest" : "earliest",
                logger: connection.logger, onError: errors.callback)
        }
        defer { consumer.close() }
        var atEnd = Set<TopicPartition>()
        try connection.wrap {
            if self.group != nil {
                try consumer.subscribe([self.topic])
            } else {
                try consumer.assign(starts.mapValues(\.offset))
                atEnd = Set(starts.filter(\.value.atEnd).keys)
            }
        }
        StopSignal.install()
        let output = StandardOutput()
        let progress = ProgressLine("consumed", recordsOnStdout: true)
        var printed = 0
        while !StopSignal.isRaised {
            if let count, printed >= count { break }
            if self.exitAtEnd {
                let assigned = consumer.assignment
                if !assigned.isEmpty, Set(assigned).isSubset(of: atEnd) { break }
            }
            let wanted = min(500, self.count.map { $0 - printed } ?? 500)
            let events = try connection.wrap { try consumer.poll(timeoutMs: 200, maxEvents: wanted) }
            for event in events {
                switch event {
                case .record(let record):
                    try output.write(render(record))
                    printed += 1
                case .endOfPartition(let tp, _):
                    atEnd.insert(tp)
                case .error(let error):
                    if ConsumerErrors.isFatal(error) { throw CommandFailure(connection.describe(error)) }
                    connection.logger.warning("\(error)")
                }
            }
            try output.flush()
            progress.update(printed)
            if let fatal = errors.takeFatal() { throw CommandFailure(fatal) }
        }
        try output.flush()
        progress.finish(printed)
    }

    /// The bytes printed for one record.
    func renderer() throws -> (ConsumedRecord) -> [UInt8] {
        if self.json {
            return { Array((JSONRecord($0).line + "\n").utf8) }
        }
        if let format = self.format {
            let recordFormat = try Self.recordFormat(format)
            return { recordFormat.render($0) }
        }
        return { record in
            var line = record.key.map { $0 + [UInt8(ascii: ":")] } ?? []
            line += record.value ?? []
            line.append(UInt8(ascii: "\n"))
            return line
        }
    }
}
