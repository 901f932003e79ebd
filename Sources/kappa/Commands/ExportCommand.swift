import ArgumentParser
import Dispatch
import KappaClient

/// `kappa export TOPIC > file.jsonl`: every record of every partition, up to the end each partition had
/// when the export began, as JSON lines (`JSONRecord`) that `kappa import` reads back exactly.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write every record of a topic to stdout as JSON lines, for `kappa import`.",
        discussion: """
            One object per record: topic, partition, offset, timestamp, key, value, headers. Keys, values \
            and header values that are not UTF-8 are base64 with "key_b64"/"value_b64": true; null stays \
            null. Records produced after the export began are left out.
              kappa export orders > orders.jsonl
            """)

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "The topic to export.")
    var topic: String

    func run() throws {
        let connection = try self.connection.connect()
        // Each partition is read from its log start up to the high watermark it has now.
        var ends: [TopicPartition: Int64] = [:]
        var starts: [TopicPartition: Int64] = [:]
        try connection.withAdmin { admin in
            let info = try connection.topic(self.topic, admin: admin)
            for partition in info.partitions {
                let tp = TopicPartition(topic: self.topic, partition: partition.id)
                let (low, high) = try admin.watermarks(tp, timeoutMs: connection.timeoutMs)
                starts[tp] = low
                ends[tp] = high
            }
        }
        let total = Int(ends.reduce(Int64(0)) { $0 + $1.value - (starts[$1.key] ?? 0) })
        var pending = Set(ends.filter { $0.value > (starts[$0.key] ?? 0) }.keys)
        guard !pending.isEmpty else { return }
        let errors = ConsumerErrors()
        var config = connection.config
        if config.properties["fetch.wait.max.ms"] == nil {
            // Partitions ending in a gap (transaction markers) finish on an empty fetch: keep it short.
            config.properties["fetch.wait.max.ms"] = "50"
        }
        let consumer = try connection.wrap {
            try StreamConsumer(config: config, groupId: nil, logger: connection.logger, onError: errors.callback)
        }
        defer { consumer.close() }
        try connection.wrap { try consumer.assign(starts.filter { pending.contains($0.key) }) }
        StopSignal.install()
        let output = StandardOutput()
        let progress = ProgressLine("exported", recordsOnStdout: true)
        var exported = 0
        var lastProgress = DispatchTime.now()
        let idleLimit = UInt64(max(self.connection.timeout, 1) * 1_000_000_000)
        while !pending.isEmpty {
            if StopSignal.isRaised { throw CommandFailure("interrupted after \(exported) records", exitCode: 130) }
            let events = try connection.wrap { try consumer.poll(timeoutMs: 200) }
            for event in events {
                switch event {
                case .record(let record):
                    let tp = TopicPartition(topic: record.topic, partition: record.partition)
                    guard pending.contains(tp), let end = ends[tp], record.offset < end else { continue }
                    try output.write(JSONRecord(record).line + "\n")
                    exported += 1
                    lastProgress = DispatchTime.now()
                    if record.offset + 1 >= end { pending.remove(tp) }
                case .endOfPartition(let tp, let offset):
                    if let end = ends[tp], offset >= end { pending.remove(tp) }
                case .error(let error):
                    if ConsumerErrors.isFatal(error) { throw CommandFailure(connection.describe(error)) }
                    connection.logger.warning("\(error)")
                }
            }
            try output.flush()
            progress.update(exported, of: total)
            if let fatal = errors.takeFatal() { throw CommandFailure(fatal) }
            if DispatchTime.now().uptimeNanoseconds - lastProgress.uptimeNanoseconds > idleLimit {
                let left = pending.sorted().map(\.description).joined(separator: ", ")
                throw CommandFailure(
                    "no records for \(Int(self.connection.timeout)) s while \(left) still had some to export "
                        + "(\(exported) exported so far)")
            }
        }
        try output.flush()
        progress.finish(exported, of: total)
    }
}
