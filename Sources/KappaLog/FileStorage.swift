import NIOCore

/// An append-only byte file as the log sees it: a POSIX file on disk, or a buffer in memory
/// for `--memory` brokers. Segments and indexes are written through this so both modes share
/// every line of log logic.
protocol FileStorage: AnyObject {
    /// A name for messages: the path, or a label for memory files.
    var name: String { get }
    /// Current size in bytes (also the position of the next append).
    var size: Int64 { get }
    /// Last modification, milliseconds since the epoch (file mtime, or last append in memory).
    var lastModifiedMs: Int64 { get }
    /// Appends the readable bytes of `bytes`.
    func append(_ bytes: ByteBuffer) throws
    /// Up to `length` bytes starting at `position`; shorter only at the end of the file.
    func read(at position: Int64, length: Int) throws -> ByteBuffer
    /// Cuts the file to `size` bytes.
    func truncate(to size: Int64) throws
    /// Forces written data to stable storage.
    func sync() throws
    /// A handle that syncs this file's data from another thread (see `PendingFlush`); `nil` for a
    /// file that has nothing to sync (memory).
    func syncHandle() throws -> SyncHandle?
    /// A handle of its own on the file (a duplicated descriptor) for the transport to send from
    /// without copying (sendfile); the caller closes it. `nil` where there is no file (memory).
    func duplicateHandle() throws -> NIOFileHandle?
    /// Releases the file; further calls fail.
    func close() throws
    /// Closes (if needed) and removes the file.
    func delete() throws
}

extension FileStorage {
    func duplicateHandle() throws -> NIOFileHandle? { nil }
}
