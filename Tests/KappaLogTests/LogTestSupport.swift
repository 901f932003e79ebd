import Foundation
import KappaLog
import KappaWire
import Logging
import NIOCore
import Synchronization

/// A unique directory under the system temporary directory, removed when released.
final class TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("kappa-log-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        self.path = url.path
    }

    deinit {
        try? FileManager.default.removeItem(atPath: self.path)
    }

    /// Names of the files in `subdirectory`, sorted.
    func files(in subdirectory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: "\(self.path)/\(subdirectory)").sorted()
    }
}

/// Log messages captured by `CapturingLogHandler`, for asserting on recovery warnings.
final class CapturedLogs: Sendable {
    private let storage = Mutex<[(Logger.Level, String)]>([])

    var messages: [(level: Logger.Level, text: String)] { self.storage.withLock { $0.map { ($0.0, $0.1) } } }

    func warnings(containing text: String) -> [String] {
        self.messages.filter { $0.level == .warning && $0.text.contains(text) }.map(\.text)
    }

    func append(_ level: Logger.Level, _ text: String) {
        self.storage.withLock { $0.append((level, text)) }
    }

    /// A logger writing into this capture (no global bootstrap, as swift-log advises for tests).
    var logger: Logger {
        Logger(label: "kappa.log.tests") { _ in CapturingLogHandler(logs: self) }
    }
}

struct CapturingLogHandler: LogHandler {
    let logs: CapturedLogs
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .trace

    func log(event: LogEvent) {
        self.logs.append(event.level, event.message.description)
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }
}

/// Where a test log lives; core behaviour is tested in both modes.
enum StorageMode: String, CaseIterable, Sendable {
    case disk
    case memory
}

/// A partition log under test, on disk (in a temporary directory) or in memory.
final class LogFixture {
    let mode: StorageMode
    let root: TemporaryDirectory
    let logs = CapturedLogs()
    var config: LogConfig
    var log: PartitionLog

    static let partition = "topic-0"

    init(_ mode: StorageMode, config: LogConfig = LogConfig()) throws {
        self.mode = mode
        self.config = config
        self.root = try TemporaryDirectory()
        switch mode {
        case .disk:
            self.log = try PartitionLog.open(directory: "\(self.root.path)/\(Self.partition)", config: config,
                                             logger: self.logs.logger)
        case .memory:
            self.log = PartitionLog.inMemory(config: config)
        }
    }

    var directory: String { "\(self.root.path)/\(Self.partition)" }

    /// Closes and reopens the on-disk log, running recovery.
    func reopen() throws {
        try self.log.close()
        self.log = try PartitionLog.open(directory: self.directory, config: self.config, logger: self.logs.logger)
    }

    /// Appends a batch of `records` records with values "<tag>-<i>" and timestamps from `timestamp`.
    @discardableResult
    func append(records: Int = 1, timestamp: Int64 = 1_000, tag: String = "v", now: Int64 = 1_000) throws -> LogAppendInfo {
        try self.log.append(makeBatch(records: records, timestamp: timestamp, tag: tag), now: now)
    }

    func files() throws -> [String] {
        try self.root.files(in: Self.partition)
    }
}

/// A producer-style batch (baseOffset 0) of `records` records, values "<tag>-<i>", timestamps
/// `timestamp + i`.
func makeBatch(records: Int, timestamp: Int64 = 1_000, tag: String = "v", valueSize: Int = 0) -> ByteBuffer {
    var builder = RecordBatchBuilder()
    for i in 0..<records {
        let text = "\(tag)-\(i)"
        let padding = [UInt8](repeating: 0x2E, count: max(0, valueSize - text.utf8.count))
        builder.append(key: nil, value: Array(text.utf8) + padding, timestamp: timestamp + Int64(i))
    }
    return builder.build()
}

/// Concatenates buffers, as a Produce request carries several batches.
func concatenate(_ buffers: ByteBuffer...) -> ByteBuffer {
    var result = ByteBuffer()
    for var buffer in buffers { result.writeBuffer(&buffer) }
    return result
}

/// The values of every record in `buffer`, as strings, decoded with CRC checks.
func values(in buffer: ByteBuffer) throws -> [String] {
    try RecordBatch.decodeAll(buffer).flatMap { batch in
        batch.records.map { String(decoding: $0.value ?? [], as: UTF8.self) }
    }
}

/// (baseOffset, lastOffset) of each batch in `buffer`.
func offsetRanges(in buffer: ByteBuffer) throws -> [ClosedRange<Int64>] {
    try RecordBatchScanner.scan(buffer).map { $0.header.baseOffset...$0.header.lastOffset }
}
