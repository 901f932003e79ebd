import Foundation
import Logging
import Synchronization

/// Committed consumer-group offsets. In a data directory they are kept in `consumer-offsets.log`, one
/// JSON line per commit or deletion, replayed at start-up (last line wins) and compacted then; a torn
/// last line from a crash is cut off, and an unreadable line in the middle skipped, each with a log
/// line. Without a data directory they live in RAM.
///
/// A change is applied in memory only once its line is written (and synced, with `syncEveryWrite`);
/// a write that fails (a full disk) is cut off the file again and the change is refused, so what
/// OffsetFetch answers is always what a restart will load.
final class OffsetStore: Sendable {
    struct Key: Hashable, Sendable, Comparable {
        var topic: String
        var partition: Int32
        static func < (a: Key, b: Key) -> Bool { (a.topic, a.partition) < (b.topic, b.partition) }
    }

    struct Committed: Sendable, Equatable {
        var offset: Int64
        var leaderEpoch: Int32
        var metadata: String?
        var commitTimestamp: Int64
    }

    /// One line of the offsets file.
    private struct Line: Codable {
        var g: String
        var t: String?
        var p: Int32?
        var o: Int64?
        var e: Int32?
        var m: String?
        var ts: Int64?
        /// "commit" (default), "delete" (one partition), "delete-group"; for transactions "txn"
        /// (an offset staged by producer `x`), "txn-commit" and "txn-abort" (its outcome).
        var op: String?
        /// The producer id of a transactional line.
        var x: Int64?
    }

    private struct State {
        var offsets: [String: [Key: Committed]] = [:]
        /// Offsets committed inside open transactions (TxnOffsetCommit), by producer id then group:
        /// invisible to OffsetFetch until the transaction commits, dropped if it aborts.
        var pending: [Int64: [String: [Key: Committed]]] = [:]
        var fd: Int32 = -1
        var dirty = false
    }

    private let state = Mutex(State())
    private let path: String?
    private let syncEveryWrite: Bool
    private let logger: Logger

    init(dataDirectory: String?, syncEveryWrite: Bool, logger: Logger) throws {
        self.path = dataDirectory.map { "\($0)/consumer-offsets.log" }
        self.syncEveryWrite = syncEveryWrite
        self.logger = logger
        try self.load()
    }

    var groupIds: [String] { self.state.withLock { Array($0.offsets.keys) } }

    func offsets(group: String) -> [Key: Committed] {
        self.state.withLock { $0.offsets[group] ?? [:] }
    }

    func commit(group: String, _ commits: [(Key, Committed)]) throws {
        try self.state.withLock { state in
            var lines = ""
            for (key, value) in commits {
                lines += Self.encode(Line(g: group, t: key.topic, p: key.partition, o: value.offset, e: value.leaderEpoch,
                                          m: value.metadata, ts: value.commitTimestamp, op: nil))
            }
            try self.append(lines, state: &state)
            for (key, value) in commits {
                state.offsets[group, default: [:]][key] = value
            }
        }
    }

    /// Stages offsets of an open transaction; durable like a commit, visible only once `complete`d.
    func stage(producerId: Int64, group: String, _ commits: [(Key, Committed)]) throws {
        try self.state.withLock { state in
            var lines = ""
            for (key, value) in commits {
                lines += Self.encode(Line(g: group, t: key.topic, p: key.partition, o: value.offset, e: value.leaderEpoch,
                                          m: value.metadata, ts: value.commitTimestamp, op: "txn", x: producerId))
            }
            try self.append(lines, state: &state)
            for (key, value) in commits {
                state.pending[producerId, default: [:]][group, default: [:]][key] = value
            }
        }
    }

    /// Ends the staged offsets of `producerId`'s transaction: committed ones become the groups'
    /// offsets, aborted ones are forgotten. Returns the groups whose offsets it committed.
    @discardableResult
    func complete(producerId: Int64, commit: Bool) throws -> [String] {
        try self.state.withLock { state in
            guard let staged = state.pending[producerId] else { return [] }
            try self.append(Self.encode(Line(g: "", op: commit ? "txn-commit" : "txn-abort", x: producerId)), state: &state)
            state.pending.removeValue(forKey: producerId)
            guard commit else { return [] }
            for (group, entries) in staged {
                for (key, value) in entries { state.offsets[group, default: [:]][key] = value }
            }
            return staged.keys.sorted()
        }
    }

    /// Whether an open transaction has staged an offset for this group and partition (OffsetFetch
    /// with require_stable then answers UNSTABLE_OFFSET_COMMIT).
    func hasPending(group: String, key: Key) -> Bool {
        self.state.withLock { state in state.pending.values.contains { $0[group]?[key] != nil } }
    }

    /// Producer ids with staged offsets.
    var pendingProducerIds: [Int64] { self.state.withLock { Array($0.pending.keys).sorted() } }

    func delete(group: String, keys: [Key]) throws {
        try self.state.withLock { state in
            var lines = ""
            for key in keys {
                lines += Self.encode(Line(g: group, t: key.topic, p: key.partition, op: "delete"))
            }
            try self.append(lines, state: &state)
            for key in keys {
                state.offsets[group]?.removeValue(forKey: key)
            }
            if state.offsets[group]?.isEmpty == true { state.offsets.removeValue(forKey: group) }
        }
    }

    func deleteGroup(_ group: String) throws {
        try self.state.withLock { state in
            try self.append(Self.encode(Line(g: group, op: "delete-group")), state: &state)
            state.offsets.removeValue(forKey: group)
        }
    }

    /// Drops offsets of a deleted topic from every group.
    func deleteTopic(_ topic: String) throws {
        let affected = self.state.withLock { state in
            state.offsets.compactMap { group, offsets -> (String, [Key])? in
                let keys = offsets.keys.filter { $0.topic == topic }
                return keys.isEmpty ? nil : (group, keys)
            }
        }
        for (group, keys) in affected { try self.delete(group: group, keys: keys) }
    }

    func flush() {
        self.state.withLock { state in
            if state.dirty, state.fd >= 0 { _ = fdatasync(state.fd) }
            state.dirty = false
        }
    }

    func close() {
        self.state.withLock { state in
            if state.fd >= 0 {
                _ = fdatasync(state.fd)
                Glibc.close(state.fd)
                state.fd = -1
            }
        }
    }

    private static func encode(_ line: Line) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(line), let text = String(data: data, encoding: .utf8) else { return "" }
        return text + "\n"
    }

    /// Appends whole lines; on failure cuts the file back to where it ended, so a half-written line
    /// cannot swallow the lines appended after it.
    private func append(_ text: String, state: inout State) throws {
        guard state.fd >= 0, !text.isEmpty else { return }
        var info = stat()
        guard fstat(state.fd, &info) == 0 else {
            throw OffsetStoreError.write("fstat: \(String(cString: strerror(errno)))")
        }
        let start = info.st_size
        let bytes = Array(text.utf8)
        var offset = 0
        var failure: String?
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                Glibc.write(state.fd, raw.baseAddress.map { $0 + offset }, bytes.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                failure = "write: \(String(cString: strerror(errno))) (errno \(errno))"
                break
            }
            offset += written
        }
        if failure == nil, self.syncEveryWrite, fdatasync(state.fd) != 0 {
            failure = "fdatasync: \(String(cString: strerror(errno))) (errno \(errno))"
        }
        if let failure {
            _ = ftruncate(state.fd, start)
            throw OffsetStoreError.write(failure)
        }
        if !self.syncEveryWrite { state.dirty = true }
    }

    private func load() throws {
        guard let path = self.path else { return }
        var offsets: [String: [Key: Committed]] = [:]
        var pending: [Int64: [String: [Key: Committed]]] = [:]
        if let data = FileManager.default.contents(atPath: path) {
            var good = 0
            var lineCount = 0
            var skipped = 0
            let decoder = JSONDecoder()
            var start = data.startIndex
            while start < data.endIndex {
                guard let newline = data[start...].firstIndex(of: 0x0A) else { break }
                let slice = data[start..<newline]
                guard let line = try? decoder.decode(Line.self, from: slice) else {
                    // A whole line that does not parse (damaged on disk): later lines still count.
                    skipped += 1
                    start = newline + 1
                    good = start - data.startIndex
                    continue
                }
                lineCount += 1
                switch line.op {
                case "delete-group":
                    offsets.removeValue(forKey: line.g)
                case "delete":
                    if let t = line.t, let p = line.p { offsets[line.g]?.removeValue(forKey: Key(topic: t, partition: p)) }
                case "txn":
                    if let x = line.x, let t = line.t, let p = line.p, let o = line.o {
                        pending[x, default: [:]][line.g, default: [:]][Key(topic: t, partition: p)] =
                            Committed(offset: o, leaderEpoch: line.e ?? -1, metadata: line.m, commitTimestamp: line.ts ?? 0)
                    }
                case "txn-commit":
                    if let x = line.x, let staged = pending.removeValue(forKey: x) {
                        for (group, entries) in staged {
                            for (key, value) in entries { offsets[group, default: [:]][key] = value }
                        }
                    }
                case "txn-abort":
                    if let x = line.x { pending.removeValue(forKey: x) }
                default:
                    if let t = line.t, let p = line.p, let o = line.o {
                        offsets[line.g, default: [:]][Key(topic: t, partition: p)] =
                            Committed(offset: o, leaderEpoch: line.e ?? -1, metadata: line.m, commitTimestamp: line.ts ?? 0)
                    }
                }
                start = newline + 1
                good = start - data.startIndex
            }
            if skipped > 0 {
                self.logger.warning(
                    "\(path): skipped \(skipped) unreadable line(s) among \(lineCount + skipped); rewritten without them")
            }
            if good < data.count {
                let dropped = data.count - good
                self.logger.warning(
                    "\(path): dropped \(dropped) bytes of a half-written last line after \(lineCount) commit line(s)")
            }
        }
        // Rewrite the file compacted (this also cuts off any torn tail), then append to it.
        var text = ""
        for (group, entries) in offsets.sorted(by: { $0.key < $1.key }) {
            for (key, value) in entries.sorted(by: { $0.key < $1.key }) {
                text += Self.encode(Line(g: group, t: key.topic, p: key.partition, o: value.offset, e: value.leaderEpoch,
                                         m: value.metadata, ts: value.commitTimestamp, op: nil))
            }
        }
        // Offsets of transactions still open stay staged: their outcome comes later.
        for (producerId, groups) in pending.sorted(by: { $0.key < $1.key }) {
            for (group, entries) in groups.sorted(by: { $0.key < $1.key }) {
                for (key, value) in entries.sorted(by: { $0.key < $1.key }) {
                    text += Self.encode(Line(g: group, t: key.topic, p: key.partition, o: value.offset, e: value.leaderEpoch,
                                             m: value.metadata, ts: value.commitTimestamp, op: "txn", x: producerId))
                }
            }
        }
        try AtomicFile.write(Data(text.utf8), to: path)
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw OffsetStoreError.write("open \(path): \(String(cString: strerror(errno)))") }
        self.state.withLock { state in
            state.offsets = offsets
            state.pending = pending
            state.fd = fd
        }
    }
}

enum OffsetStoreError: Error, CustomStringConvertible {
    case write(String)
    var description: String {
        switch self { case .write(let why): return "cannot write committed offsets: \(why)" }
    }
}
