import ArgumentParser
import Foundation
import KappaClient

/// `kappa produce TOPIC`: each line of stdin becomes one record, as kcat -P and kafka-console-producer.sh.
struct ProduceCommand: ParsableCommand {
    enum Serializer: String, ExpressibleByArgument, CaseIterable {
        case string, json
    }

    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Send each line of stdin as one record.",
        discussion: """
            Lines are sent as they are read (bytes as they are, without the newline). Prints nothing \
            unless -v; exits non-zero, with the reason, when any record was not delivered.
              printf 'k1:hello\\nk2:world\\n' | kappa produce sample -K :
            """)

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "The topic to send to.")
    var topic: String

    @Option(
        name: .customShort("K", allowingJoined: true),
        help: ArgumentHelp(
            "Key separator: the text before its first occurrence in a line is the key, the rest the value (lines without it have no key).",
            valueName: "separator"))
    var keySeparator: String?

    @Option(
        name: .customShort("H", allowingJoined: true),
        help: ArgumentHelp("A header for every record, name=value (repeatable).", valueName: "name=value"))
    var headers: [String] = []

    @Option(
        name: [.customShort("p"), .long],
        help: "Send every record to this partition (default: by key hash, or spread for records without a key).")
    var partition: Int32?

    @Option(
        name: .long,
        help:
            "'string' sends the text as it is; 'json' sends key and value as JSON strings, as Python's json.dumps does (the course's put.py)."
    )
    var serializer: Serializer = .string

    @Flag(name: .shortAndLong, help: "Print where each record landed: topic, partition and offset, tab-separated.")
    var verbose = false

    func validate() throws {
        if let keySeparator, keySeparator.isEmpty { throw ValidationError("-K needs a non-empty separator") }
        if let partition, partition < 0 { throw ValidationError("--partition must not be negative") }
        _ = try KeyValue.parse(self.headers, option: "-H")
    }

    func run() throws {
        let connection = try self.connection.connect()
        let headers: [(String, [UInt8]?)] = try KeyValue.parse(self.headers, option: "-H").map { name, value in
            (name, Array(value.utf8))
        }
        let topic = self.topic
        var onDelivery: (@Sendable (Int32, Int64) -> Void)?
        if self.verbose {
            onDelivery = { partition, offset in
                FileHandle.standardOutput.write(Data("\(topic)\t\(partition)\t\(offset)\n".utf8))
            }
        }
        let tracker = DeliveryTracker(onDelivery: onDelivery)
        let producer = try connection.wrap { try ProducerClient(config: connection.config, logger: connection.logger) }
        defer { producer.close() }
        var lines = StandardInputLines()
        let separator = self.keySeparator.map { Array($0.utf8) }
        while let line = try lines.next() {
            var (key, value) = Self.split(line, at: separator)
            if self.serializer == .json {
                key = try key.map { try Self.json($0, line: lines.lineNumber) }
                value = try Self.json(value, line: lines.lineNumber)
            }
            tracker.send(
                producer, topic: self.topic, partition: self.partition, key: key, value: value, headers: headers,
                timestamp: nil)
        }
        // message.timeout.ms (30 s by default) fails whatever is still undelivered before this runs out.
        _ = tracker.waitForAll(seconds: 40)
        if let failure = tracker.failureSummary {
            throw CommandFailure(failure)
        }
    }

    /// Key and value of one line: split at the first occurrence of `separator`, or no key.
    static func split(_ line: [UInt8], at separator: [UInt8]?) -> (key: [UInt8]?, value: [UInt8]) {
        guard let separator, !separator.isEmpty, line.count >= separator.count else { return (nil, line) }
        for start in 0...(line.count - separator.count)
        where line[start..<(start + separator.count)].elementsEqual(separator) {
            return (Array(line[..<start]), Array(line[(start + separator.count)...]))
        }
        return (nil, line)
    }

    static func json(_ bytes: [UInt8], line: Int) throws -> [UInt8] {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw CommandFailure("line \(line) is not valid UTF-8, which --serializer json needs")
        }
        return Array(PythonJSON.dumps(text).utf8)
    }
}
