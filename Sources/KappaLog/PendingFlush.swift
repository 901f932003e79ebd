#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends captured by `PartitionLog.beginFlush()`, synced later without the log's lock.
///
/// `fdatasync` can block for 100 ms and more when the disk is busy with other writers. Syncing
/// while holding the lock that serialises a partition stalls every produce and fetch of that
/// partition for as long, so a flush is split in three: `beginFlush()` (under the lock, cheap),
/// `sync()` (no lock, blocks), `endFlush(_:succeeded:)` (under the lock, cheap).
public struct PendingFlush: Sendable {
    /// The log end offset when the flush began: every offset below it is on stable storage once
    /// `sync()` has returned.
    public let endOffset: Int64
    /// The files with unsynced appends (none for an in-memory log).
    let files: [SyncHandle]
    /// Base offsets of the segments whose appends this flush covers (marked dirty again if it fails).
    let segmentBaseOffsets: [Int64]
    /// When the covered appends were first left unsynced (restored if the flush fails).
    let dirtySince: Int64?

    /// Forces the captured files' data to stable storage. Blocks: call it without holding the
    /// log's lock and never on an event loop. Appends made meanwhile are not necessarily covered.
    public func sync() throws {
        for file in self.files { try file.sync() }
    }
}

/// A duplicate descriptor of a log file, so its data can be synced from any thread while the log
/// goes on appending to, closing or deleting the file: a plain descriptor number could be closed
/// and reused for another file between the capture and the `fdatasync`; the duplicate keeps the
/// open file alive until the handle goes away.
final class SyncHandle: Sendable {
    let path: String
    private let descriptor: Int32

    init(duplicating descriptor: Int32, path: String) throws {
        let duplicate = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
        guard duplicate >= 0 else { throw Posix.error("dup", path) }
        self.path = path
        self.descriptor = duplicate
    }

    deinit {
        close(self.descriptor)
    }

    func sync() throws {
        #if canImport(Glibc)
        let result = fdatasync(self.descriptor)
        #else
        let result = fsync(self.descriptor)
        #endif
        guard result == 0 else { throw Posix.error("fdatasync", self.path) }
    }
}
