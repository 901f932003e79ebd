import Foundation
import Synchronization

/// Hands out producer ids that are never reused for the life of the data directory. Ids are reserved
/// in blocks whose upper bound is written to `producer-ids` before any id of the block is used, so
/// a crash can skip ids but never repeat one.
final class ProducerIdAllocator: Sendable {
    static let blockSize: Int64 = 1000

    private struct State {
        var next: Int64
        var reservedUpTo: Int64
    }

    private let state: Mutex<State>
    private let path: String?

    init(dataDirectory: String?) throws {
        self.path = dataDirectory.map { "\($0)/producer-ids" }
        var start: Int64 = 0
        if let path = self.path, let text = try? String(contentsOfFile: path, encoding: .utf8),
            let stored = Int64(text.trimmingCharacters(in: .whitespacesAndNewlines))
        {
            start = stored
        }
        self.state = Mutex(State(next: start, reservedUpTo: start))
    }

    func next() throws -> Int64 {
        try self.state.withLock { state in
            if state.next >= state.reservedUpTo {
                let upTo = state.next + Self.blockSize
                if let path = self.path {
                    try AtomicFile.write(Data("\(upTo)\n".utf8), to: path)
                }
                state.reservedUpTo = upTo
            }
            defer { state.next += 1 }
            return state.next
        }
    }
}
