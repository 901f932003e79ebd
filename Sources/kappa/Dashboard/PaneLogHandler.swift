import Foundation
import KappaTUI
import Logging

/// swift-log backend while curses owns the screen: every line goes to Kafka-Term (and, if asked,
/// to a file), never to stdout/stderr.
struct PaneLogHandler: LogHandler {
    let label: String
    let queue: EventQueue
    let file: LogFile?
    let deduplicator: LogDeduplicator
    var logLevel: Logging.Logger.Level = .info
    var metadata: Logging.Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logging.Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let level: KappaTUI.LogLevel
        switch event.level {
        case .trace: level = .trace
        case .debug: level = .debug
        case .info: level = .info
        case .notice: level = .notice
        case .warning: level = .warning
        case .error: level = .error
        case .critical: level = .critical
        }
        let source = self.label == "kappa.client" ? "client: " : ""
        self.file?.write("\(ISO8601DateFormatter().string(from: Date())) \(event.level) \(self.label): \(event.message)\n")
        let message = source.isEmpty ? "\(event.message)" : "client: " + ConciseLogText.shorten("\(event.message)")
        if let text = self.deduplicator.filter(message, now: now) {
            self.queue.post(.log(LogLine(timestamp: now, level: level, message: text)))
        }
    }
}

/// An append-only text file for `--log-file`.
final class LogFile: Sendable {
    private let handle: FileHandle

    init(path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    func write(_ text: String) {
        self.handle.write(Data(text.utf8))
    }
}
