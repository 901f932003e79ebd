import ArgumentParser
import Dispatch
import KappaClient

/// `kappa import TOPIC < file.jsonl`: sends the records `kappa export` wrote (or `kappa consume --json`
/// printed) to the same partitions with the same keys, values, headers and timestamps.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Send JSON-line records from stdin (as `kappa export` writes them) to a topic.",
        discussion: """
            Every line is checked before anything is sent. A missing topic is created with as many \
            partitions as the records use; an existing one must have enough. Records keep their \
            partition, key, value, headers and timestamp; within a partition their order is kept.
              kappa import orders-copy < orders.jsonl
            """)

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "The topic to send to (the records' own \"topic\" fields are ignored).")
    var topic: String

    @Flag(name: .long, help: "Let the partitioner place records by key instead of keeping their partitions.")
    var repartition = false

    @Option(
        name: [.customShort("r"), .long],
        help: "Replication factor if the topic is created (default: the cluster's default).")
    var replicationFactor: Int16 = -1

    func run() throws {
        let connection = try self.connection.connect()
        var records: [JSONRecord] = []
        var lines = StandardInputLines()
        while let line = try lines.next() {
            let text = String(decoding: line, as: UTF8.self)
            guard !text.allSatisfy(\.isWhitespace) else { continue }
            do {
                var record = try JSONRecord(line: text)
                if self.repartition { record.partition = nil }
                records.append(record)
            } catch {
                throw CommandFailure("line \(lines.lineNumber): \(error)")
            }
        }
        let needed = Int32((records.compactMap(\.partition).max() ?? 0) + 1)
        try self.ensureTopic(partitions: needed, connection: connection)
        guard !records.isEmpty else { return }

        var config = connection.config
        // Retries must not reorder a partition's records.
        if config.properties["enable.idempotence"] == nil { config.properties["enable.idempotence"] = "true" }
        if config.properties["linger.ms"] == nil { config.properties["linger.ms"] = "20" }
        let producer = try connection.wrap { try ProducerClient(config: config, logger: connection.logger) }
        defer { producer.close() }
        StopSignal.install()
        let tracker = DeliveryTracker()
        let progress = ProgressLine("imported", recordsOnStdout: false)
        for record in records {
            if StopSignal.isRaised { break }
            tracker.send(
                producer, topic: self.topic, partition: record.partition, key: record.key, value: record.value,
                headers: record.headers.map { ($0.key, $0.value) }, timestamp: record.timestamp)
            progress.update(tracker.delivered, of: records.count)
        }
        _ = tracker.waitForAll(seconds: 40) { progress.update($0, of: records.count) }
        progress.finish(tracker.delivered, of: records.count)
        if let failure = tracker.failureSummary { throw CommandFailure(failure) }
        if StopSignal.isRaised {
            throw CommandFailure("interrupted after \(tracker.delivered) of \(records.count) records", exitCode: 130)
        }
    }

    /// Creates the topic with `partitions` partitions when it is missing (and waits until Metadata shows
    /// them), or checks that the existing one has that many.
    func ensureTopic(partitions: Int32, connection: Connection) throws {
        try connection.withAdmin { admin in
            let existing = try admin.listTopics(timeoutMs: connection.timeoutMs).first { $0.name == self.topic }
            if let existing {
                guard self.repartition || existing.partitions.count >= Int(partitions) else {
                    throw CommandFailure(
                        "topic '\(self.topic)' has \(existing.partitions.count) partition(s) but the records use \(partitions): "
                            + "grow it with `kappa topics alter \(self.topic) --partitions \(partitions)` or pass --repartition"
                    )
                }
                return
            }
            try admin.createTopic(
                self.topic, partitions: partitions, replicationFactor: self.replicationFactor, configs: [:])
            let deadline = DispatchTime.now() + self.connection.timeout
            while DispatchTime.now() < deadline {
                let topic = try admin.listTopics(timeoutMs: connection.timeoutMs).first { $0.name == self.topic }
                if let topic, topic.partitions.count >= Int(partitions), topic.partitions.allSatisfy({ $0.leader >= 0 })
                {
                    return
                }
                DedicatedSleep.milliseconds(100)
            }
            throw CommandFailure(
                "topic '\(self.topic)' was created but its \(partitions) partition(s) did not appear in time")
        }
    }
}
