/// Parses what is typed at the Kafka-Term prompt into an `AdminCommand`.
///
/// The course's commands must work pasted exactly as the seed prints them (`bin/kafka-topics.sh --create
/// --replication-factor 1 --partitions 1 --bootstrap-server localhost:9092 --topic sample`), so the Kafka tools'
/// options are accepted in any order, with or without `bin/`, `--opt value` or `--opt=value`;
/// `--bootstrap-server` is accepted and ignored (the dashboard is already connected). Short forms
/// (`create sample -p 3`, `list`, `describe`, `delete`, `groups`, `group G`, `help`) save typing.
public enum CommandParser {
    public static func parse(_ line: String) -> Result<AdminCommand, CommandError> {
        Self.parse(line, utcOffsetSeconds: 0)
    }

    /// `utcOffsetSeconds` is the local zone for `--to-datetime` values without an offset (Kafka uses local time).
    public static func parse(_ line: String, utcOffsetSeconds: Int) -> Result<AdminCommand, CommandError> {
        let words: [String]
        switch ShellWords.split(line) {
        case .success(let w): words = w
        case .failure(let e): return .failure(e)
        }
        guard var command = words.first else { return .failure(CommandError("empty command — try help")) }
        var args = Array(words.dropFirst())
        if command == "$" || command == "%" {  // a prompt copied along with the command
            guard let next = args.first else { return .failure(CommandError("empty command — try help")) }
            command = next
            args.removeFirst()
        }
        let tool = command.split(separator: "/").last.map(String.init) ?? command
        do {
            switch tool {
            case "kafka-topics.sh", "kafka-topics":
                return .success(try Self.topicsTool(args, utcOffsetSeconds: utcOffsetSeconds))
            case "kafka-consumer-groups.sh", "kafka-consumer-groups":
                return .success(try Self.groupsTool(args, utcOffsetSeconds: utcOffsetSeconds))
            case "kafka-transactions.sh", "kafka-transactions":
                return .success(try Self.transactionsTool(args))
            case "kafka-configs.sh", "kafka-configs":
                return .success(try Self.configsTool(args))
            default:
                if tool.hasPrefix("kafka-") && tool.hasSuffix(".sh") {
                    throw CommandError(
                        "\(tool) is not supported here (kafka-topics.sh, kafka-configs.sh, kafka-consumer-groups.sh "
                            + "and kafka-transactions.sh are)")
                }
                return .success(try Self.shortForm(tool.lowercased(), args))
            }
        } catch let error as CommandError {
            return .failure(error)
        } catch {
            return .failure(CommandError(String(describing: error)))
        }
    }

    // MARK: kafka-topics.sh

    private static func topicsTool(_ args: [String], utcOffsetSeconds: Int) throws -> AdminCommand {
        let options = try Options(
            args, tool: "kafka-topics.sh",
            flags: ["--create", "--list", "--describe", "--delete", "--alter", "--help"],
            valued: ["--topic", "--partitions", "--replication-factor", "--config", "--bootstrap-server"],
            ignoredFlags: ["--exclude-internal"])
        if options.has("--help") { return .help }
        let action = try options.exactlyOne(
            of: ["--create", "--list", "--describe", "--delete", "--alter"], tool: "kafka-topics.sh")
        let topic = options.last("--topic")
        switch action {
        case "--create":
            guard let topic else { throw CommandError("--create needs --topic NAME") }
            try Self.validateTopicName(topic)
            let partitions = try options.last("--partitions").map { try Self.int32($0, option: "--partitions") } ?? 1
            guard partitions >= 1 else { throw CommandError("--partitions must be at least 1") }
            let rf =
                try options.last("--replication-factor").map { try Self.int16($0, option: "--replication-factor") }
                ?? 1
            guard rf >= 1 else { throw CommandError("--replication-factor must be at least 1") }
            return .createTopic(
                name: topic, partitions: partitions, replicationFactor: rf, configs: try Self.configs(options))
        case "--list":
            return .listTopics
        case "--describe":
            if let topic { try Self.validateTopicName(topic) }
            return .describeTopic(topic)
        case "--delete":
            guard let topic else { throw CommandError("--delete needs --topic NAME") }
            try Self.validateTopicName(topic)
            return .deleteTopic(topic)
        default:  // --alter
            guard let topic else { throw CommandError("--alter needs --topic NAME") }
            try Self.validateTopicName(topic)
            guard let p = options.last("--partitions") else {
                throw CommandError("--alter needs --partitions N (the new, larger partition count)")
            }
            let count = try Self.int32(p, option: "--partitions")
            guard count >= 1 else { throw CommandError("--partitions must be at least 1") }
            return .alterPartitions(topic: topic, count: count)
        }
    }

    private static func configs(_ options: Options) throws -> [String: String] {
        var configs: [String: String] = [:]
        for entry in options.all("--config") {
            guard let eq = entry.firstIndex(of: "="), eq != entry.startIndex else {
                throw CommandError("--config takes KEY=VALUE, not '\(entry)'")
            }
            configs[String(entry[..<eq])] = String(entry[entry.index(after: eq)...])
        }
        return configs
    }

    // MARK: kafka-configs.sh

    /// `--describe|--alter --entity-type topics --entity-name T` (or `--topic T`, as Kafka 3.x also
    /// takes) or `--entity-type brokers --entity-name ID` (`--broker ID`), `--add-config k=v[,k=v]`
    /// and `--delete-config k[,k]`, each repeatable.
    private static func configsTool(_ args: [String]) throws -> AdminCommand {
        let options = try Options(
            args, tool: "kafka-configs.sh", flags: ["--describe", "--alter", "--all", "--entity-default", "--help"],
            valued: [
                "--entity-type", "--entity-name", "--topic", "--broker", "--add-config", "--delete-config",
                "--bootstrap-server",
            ],
            ignoredFlags: [])
        if options.has("--help") { return .help }
        let action = try options.exactlyOne(of: ["--describe", "--alter"], tool: "kafka-configs.sh")
        let entity: ConfigEntity
        switch options.last("--entity-type") ?? (options.has("--broker") ? "brokers" : "topics") {
        case "topics":
            guard let topic = options.last("--entity-name") ?? options.last("--topic") else {
                throw CommandError("kafka-configs.sh needs --entity-type topics --entity-name TOPIC")
            }
            try Self.validateTopicName(topic)
            entity = .topic(topic)
        case "brokers":
            if options.has("--entity-default") {
                throw CommandError(
                    "kafka-configs.sh: --entity-default is not supported here (librdkafka addresses brokers by id); "
                        + "use --entity-name 1")
            }
            guard let text = options.last("--entity-name") ?? options.last("--broker") else {
                throw CommandError("kafka-configs.sh needs --entity-type brokers --entity-name ID")
            }
            entity = .broker(try Self.int32(text, option: "--entity-name"))
        case let type:
            throw CommandError("kafka-configs.sh: --entity-type \(type) is not supported here (topics and brokers are)")
        }
        if action == "--describe" {
            if options.has("--add-config") || options.has("--delete-config") {
                throw CommandError("--add-config and --delete-config go with --alter, not --describe")
            }
            return .describeConfigs(entity, all: options.has("--all"))
        }
        var set: [String: String] = [:]
        for text in options.all("--add-config") {
            for pair in try Self.configPairs(text) { set[pair.key] = pair.value }
        }
        let delete = options.all("--delete-config").flatMap { $0.split(separator: ",").map(String.init) }.filter { !$0.isEmpty }
        guard !set.isEmpty || !delete.isEmpty else {
            throw CommandError("--alter needs --add-config k=v or --delete-config k")
        }
        if let both = delete.first(where: { set[$0] != nil }) {
            throw CommandError("'\(both)' is both added and deleted")
        }
        return .alterConfigs(entity, set: set, delete: delete)
    }

    /// `k=v[,k=v]` as kafka-configs.sh reads it: a list value goes in square brackets
    /// (`cleanup.policy=[compact,delete]`), whose commas do not separate pairs.
    public static func configPairs(_ text: String) throws -> [(key: String, value: String)] {
        var pieces: [String] = []
        var current = ""
        var depth = 0
        for character in text {
            switch character {
            case "[": depth += 1
            case "]": depth = max(0, depth - 1)
            case "," where depth == 0:
                pieces.append(current)
                current = ""
                continue
            default: break
            }
            current.append(character)
        }
        pieces.append(current)
        return try pieces.filter { !$0.isEmpty }.map { piece in
            guard let eq = piece.firstIndex(of: "="), eq != piece.startIndex else {
                throw CommandError("--add-config takes k=v[,k=v], not '\(piece)'")
            }
            var value = String(piece[piece.index(after: eq)...])
            if value.hasPrefix("[") && value.hasSuffix("]") && value.count >= 2 {
                value = String(value.dropFirst().dropLast())
            }
            return (String(piece[..<eq]), value)
        }
    }

    // MARK: kafka-consumer-groups.sh

    private static func groupsTool(_ args: [String], utcOffsetSeconds: Int) throws -> AdminCommand {
        let options = try Options(
            args, tool: "kafka-consumer-groups.sh",
            flags: [
                "--list", "--describe", "--delete", "--reset-offsets", "--to-earliest", "--to-latest", "--execute",
                "--dry-run", "--help",
            ],
            valued: [
                "--group", "--topic", "--to-datetime", "--to-offset", "--shift-by", "--bootstrap-server",
            ],
            ignoredFlags: ["--members", "--offsets", "--state", "--verbose"])
        if options.has("--help") { return .help }
        let action = try options.exactlyOne(
            of: ["--list", "--describe", "--delete", "--reset-offsets"], tool: "kafka-consumer-groups.sh")
        let group = options.last("--group")
        switch action {
        case "--list":
            return .listGroups
        case "--describe":
            guard let group else { throw CommandError("--describe needs --group GROUP") }
            return .describeGroup(group)
        case "--delete":
            guard let group else { throw CommandError("--delete needs --group GROUP") }
            return .deleteGroup(group)
        default:  // --reset-offsets
            guard let group else { throw CommandError("--reset-offsets needs --group GROUP") }
            guard let topic = options.last("--topic") else {
                throw CommandError("--reset-offsets needs --topic TOPIC (--all-topics is not supported)")
            }
            if topic.contains(":") {
                throw CommandError("--topic TOPIC:PARTITIONS is not supported; give the topic name only")
            }
            try Self.validateTopicName(topic)
            let specs = ["--to-earliest", "--to-latest", "--to-datetime", "--to-offset", "--shift-by"]
                .filter { options.has($0) }
            guard specs.count == 1, let spec = specs.first else {
                throw CommandError(
                    specs.isEmpty
                        ? "--reset-offsets needs one of --to-earliest, --to-latest, --to-datetime, --to-offset, "
                            + "--shift-by"
                        : "--reset-offsets takes only one of " + specs.joined(separator: ", "))
            }
            if options.has("--execute") && options.has("--dry-run") {
                throw CommandError("--execute and --dry-run contradict each other")
            }
            let to: OffsetSpec
            switch spec {
            case "--to-earliest": to = .earliest
            case "--to-latest": to = .latest
            case "--to-datetime":
                let text = options.last(spec) ?? ""
                guard let ms = TimeFormat.parse(text, utcOffsetSeconds: utcOffsetSeconds) else {
                    throw CommandError("--to-datetime: '\(text)' is not a date like 2026-11-24T19:21:00.000")
                }
                to = .datetime(ms)
            case "--to-offset":
                let n = try Self.int64(options.last(spec) ?? "", option: spec)
                guard n >= 0 else { throw CommandError("--to-offset must not be negative") }
                to = .offset(n)
            default:
                to = .shiftBy(try Self.int64(options.last(spec) ?? "", option: spec))
            }
            return .resetOffsets(group: group, topic: topic, to: to, execute: options.has("--execute"))
        }
    }

    // MARK: kafka-transactions.sh

    /// `[--bootstrap-server X] list | describe --transactional-id ID | describe-producers --topic T --partition P
    /// | abort --topic T --partition P (--start-offset N | --producer-id ID --producer-epoch E --coordinator-epoch C)`.
    /// Also what `kappa transactions ...` parses, so both accept the same words.
    public static func transactionsTool(_ args: [String]) throws -> AdminCommand {
        let tool = "kafka-transactions.sh"
        let options = try Options(
            args, tool: tool, flags: ["--help"],
            valued: [
                "--bootstrap-server", "--command-config", "--transactional-id", "--topic", "--partition",
                "--start-offset", "--producer-id", "--producer-epoch", "--coordinator-epoch", "--broker-id",
            ],
            ignoredFlags: [], positionalLimit: 1)
        if options.has("--help") { return .help }
        if options.has("--command-config") {
            throw CommandError("--command-config is not supported: the dashboard's own connection settings are used")
        }
        guard let sub = options.positional.first else {
            throw CommandError("\(tool) needs a command: list, describe, describe-producers or abort")
        }
        func topicPartition() throws -> (String, Int32) {
            guard let topic = options.last("--topic") else { throw CommandError("\(sub) needs --topic TOPIC") }
            try Self.validateTopicName(topic)
            guard let p = options.last("--partition") else { throw CommandError("\(sub) needs --partition N") }
            let partition = try Self.int32(p, option: "--partition")
            guard partition >= 0 else { throw CommandError("--partition must not be negative") }
            return (topic, partition)
        }
        switch sub {
        case "list":
            return .listTransactions
        case "describe":
            guard let id = options.last("--transactional-id"), !id.isEmpty else {
                throw CommandError("describe needs --transactional-id ID")
            }
            return .describeTransaction(id)
        case "describe-producers":
            if options.has("--broker-id") {
                throw CommandError("--broker-id is not supported: the partition's leader is asked")
            }
            let (topic, partition) = try topicPartition()
            return .describeProducers(topic: topic, partition: partition)
        case "abort":
            let (topic, partition) = try topicPartition()
            let producerOptions = ["--producer-id", "--producer-epoch", "--coordinator-epoch"]
            let given = producerOptions.filter { options.has($0) }
            if let start = options.last("--start-offset") {
                guard given.isEmpty else {
                    throw CommandError("abort takes --start-offset or --producer-id/--producer-epoch/--coordinator-epoch, not both")
                }
                let offset = try Self.int64(start, option: "--start-offset")
                guard offset >= 0 else { throw CommandError("--start-offset must not be negative") }
                return .abortTransaction(topic: topic, partition: partition, startOffset: offset)
            }
            guard given.count == producerOptions.count else {
                throw CommandError("abort needs --start-offset N, or all of --producer-id, --producer-epoch and --coordinator-epoch")
            }
            return .abortProducerTransaction(
                topic: topic, partition: partition,
                producerId: try Self.int64(options.last("--producer-id") ?? "", option: "--producer-id"),
                producerEpoch: try Self.int16(options.last("--producer-epoch") ?? "", option: "--producer-epoch"),
                coordinatorEpoch: try Self.int32(options.last("--coordinator-epoch") ?? "", option: "--coordinator-epoch"))
        case "find-hanging", "force-terminate":
            throw CommandError("\(tool) \(sub) is not supported (list, describe, describe-producers and abort are)")
        default:
            throw CommandError("\(tool): unknown command '\(sub)' (list, describe, describe-producers, abort)")
        }
    }

    // MARK: short forms

    private static func shortForm(_ word: String, _ args: [String]) throws -> AdminCommand {
        switch word {
        case "help", "?", "h":
            return .help
        case "list", "ls", "topics":
            try Self.noArguments(word, args)
            return .listTopics
        case "describe", "desc":
            guard args.count <= 1 else { throw CommandError("usage: describe [TOPIC]") }
            if let topic = args.first { try Self.validateTopicName(topic) }
            return .describeTopic(args.first)
        case "create":
            var options = try Options(
                args, tool: "create", flags: [],
                valued: ["-p", "--partitions", "-r", "--replication-factor", "--config", "-c"],
                ignoredFlags: [], positionalLimit: 1)
            guard let topic = options.positional.first else {
                throw CommandError("usage: create TOPIC [-p PARTITIONS] [-r REPLICATION] [--config K=V]")
            }
            try Self.validateTopicName(topic)
            let partitions =
                try (options.last("-p") ?? options.last("--partitions")).map {
                    try Self.int32($0, option: "-p")
                } ?? 1
            guard partitions >= 1 else { throw CommandError("-p must be at least 1") }
            let rf =
                try (options.last("-r") ?? options.last("--replication-factor")).map {
                    try Self.int16($0, option: "-r")
                } ?? 1
            guard rf >= 1 else { throw CommandError("-r must be at least 1") }
            options.merge("-c", into: "--config")
            return .createTopic(
                name: topic, partitions: partitions, replicationFactor: rf, configs: try Self.configs(options))
        case "delete", "rm":
            guard args.count == 1, let topic = args.first else { throw CommandError("usage: delete TOPIC") }
            try Self.validateTopicName(topic)
            return .deleteTopic(topic)
        case "alter":
            let options = try Options(
                args, tool: "alter", flags: [], valued: ["-p", "--partitions"], ignoredFlags: [], positionalLimit: 1)
            guard let topic = options.positional.first, let p = options.last("-p") ?? options.last("--partitions")
            else { throw CommandError("usage: alter TOPIC -p PARTITIONS") }
            try Self.validateTopicName(topic)
            let count = try Self.int32(p, option: "-p")
            guard count >= 1 else { throw CommandError("-p must be at least 1") }
            return .alterPartitions(topic: topic, count: count)
        case "configs", "config":
            guard args.count == 1, let topic = args.first else { throw CommandError("usage: configs TOPIC") }
            try Self.validateTopicName(topic)
            return .describeConfigs(.topic(topic), all: true)
        case "groups":
            try Self.noArguments(word, args)
            return .listGroups
        case "group":
            guard args.count == 1, let group = args.first else { throw CommandError("usage: group GROUP") }
            return .describeGroup(group)
        case "delete-group":
            guard args.count == 1, let group = args.first else { throw CommandError("usage: delete-group GROUP") }
            return .deleteGroup(group)
        default:
            throw CommandError("unknown command '\(word)' — try help")
        }
    }

    private static func noArguments(_ word: String, _ args: [String]) throws {
        if let extra = args.first { throw CommandError("\(word) takes no arguments (got '\(extra)')") }
    }

    // MARK: values

    /// Kafka's rule: 1-249 characters of a-z A-Z 0-9 . _ -, and not "." or "..".
    public static func validateTopicName(_ name: String) throws {
        if name.isEmpty { throw CommandError("topic name is empty") }
        if name == "." || name == ".." { throw CommandError("topic name cannot be '\(name)'") }
        if name.utf8.count > 249 { throw CommandError("topic name is longer than 249 characters") }
        let legal = name.unicodeScalars.allSatisfy { s in
            (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || (s >= "0" && s <= "9") || s == "." || s == "_"
                || s == "-"
        }
        if !legal { throw CommandError("topic name '\(name)' may only contain a-z A-Z 0-9 . _ -") }
    }

    private static func int32(_ text: String, option: String) throws -> Int32 {
        guard let n = Int32(text) else { throw CommandError("\(option): '\(text)' is not a number") }
        return n
    }

    private static func int16(_ text: String, option: String) throws -> Int16 {
        guard let n = Int16(text) else { throw CommandError("\(option): '\(text)' is not a number") }
        return n
    }

    private static func int64(_ text: String, option: String) throws -> Int64 {
        guard let n = Int64(text) else { throw CommandError("\(option): '\(text)' is not a number") }
        return n
    }
}

/// The options of one command line: flags, options with values (`--opt v` or `--opt=v`) and positionals.
private struct Options {
    private var values: [String: [String]] = [:]
    private var flags: Set<String> = []
    private(set) var positional: [String] = []

    init(
        _ args: [String], tool: String, flags: Set<String>, valued: Set<String>, ignoredFlags: Set<String>,
        positionalLimit: Int = 0
    ) throws {
        var i = 0
        while i < args.count {
            let arg = args[i]
            i += 1
            var name = arg
            var inline: String?
            if arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") {
                name = String(arg[..<eq])
                inline = String(arg[arg.index(after: eq)...])
            }
            if flags.contains(name) {
                if inline != nil { throw CommandError("\(name) takes no value") }
                self.flags.insert(name)
            } else if valued.contains(name) {
                if let inline {
                    self.values[name, default: []].append(inline)
                } else {
                    guard i < args.count else { throw CommandError("\(name) needs a value") }
                    self.values[name, default: []].append(args[i])
                    i += 1
                }
            } else if ignoredFlags.contains(name) {
                continue
            } else if arg.hasPrefix("-") && arg.count > 1 {
                throw CommandError("\(tool): unknown option \(name)")
            } else if self.positional.count < positionalLimit {
                self.positional.append(arg)
            } else {
                throw CommandError("\(tool): unexpected argument '\(arg)'")
            }
        }
    }

    func has(_ flag: String) -> Bool { self.flags.contains(flag) || self.values[flag] != nil }
    func last(_ option: String) -> String? { self.values[option]?.last }
    func all(_ option: String) -> [String] { self.values[option] ?? [] }

    mutating func merge(_ alias: String, into option: String) {
        if let extra = self.values.removeValue(forKey: alias) { self.values[option, default: []] += extra }
    }

    /// The one action flag present, or an error naming the choices.
    func exactlyOne(of actions: [String], tool: String) throws -> String {
        let present = actions.filter { self.flags.contains($0) }
        guard present.count == 1, let action = present.first else {
            if present.isEmpty {
                throw CommandError("\(tool) needs one of " + actions.joined(separator: ", "))
            }
            throw CommandError("\(tool): only one of " + present.joined(separator: ", ") + " at a time")
        }
        return action
    }
}
