#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// A file accessed with `pread`/`pwrite`/`fdatasync`, with its size tracked in memory.
///
/// Positional I/O keeps reads and appends independent of a shared file offset, and tracking the
/// size avoids an `fstat` per append. Not thread-safe (owned by one partition log).
final class PosixFile: FileStorage {
    let path: String
    private var descriptor: Int32
    private(set) var size: Int64
    private(set) var lastModifiedMs: Int64
    /// Made on the first `syncHandle()` call and kept while the file is open (one `dup` per file).
    private var cachedSyncHandle: SyncHandle?

    var name: String { self.path }

    private init(path: String, descriptor: Int32, size: Int64, lastModifiedMs: Int64) {
        self.path = path
        self.descriptor = descriptor
        self.size = size
        self.lastModifiedMs = lastModifiedMs
    }

    deinit {
        if self.descriptor >= 0 { _ = posixClose(self.descriptor) }
    }

    /// Opens (and with `create`, creates) `path` for reading and writing.
    static func open(path: String, create: Bool = true) throws -> PosixFile {
        var flags = O_RDWR | O_CLOEXEC
        if create { flags |= O_CREAT }
        let descriptor = posixOpen(path, flags, 0o644)
        guard descriptor >= 0 else { throw Posix.error("open", path) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let error = Posix.error("fstat", path)
            _ = posixClose(descriptor)
            throw error
        }
        return PosixFile(
            path: path,
            descriptor: descriptor,
            size: Int64(info.st_size),
            lastModifiedMs: Posix.modificationMilliseconds(info)
        )
    }

    /// Whether a file exists at `path`.
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    func append(_ bytes: ByteBuffer) throws {
        let start = self.size
        do {
            try self.write(bytes, at: start)
        } catch {
            // A full disk (ENOSPC) or file size limit (EFBIG) may have let part of it in: cut that off,
            // so the file on disk never holds more than `size` says (a later append starts there anyway).
            _ = ftruncate(self.descriptor, off_t(start))
            throw error
        }
        self.size = start + Int64(bytes.readableBytes)
        self.lastModifiedMs = Posix.nowMilliseconds()
    }

    /// Writes all readable bytes of `bytes` at `position`, retrying short writes and EINTR.
    private func write(_ bytes: ByteBuffer, at position: Int64) throws {
        try self.checkOpen()
        try bytes.withUnsafeReadableBytes { raw in
            var written = 0
            while written < raw.count {
                let result = pwrite(
                    self.descriptor,
                    raw.baseAddress.map { $0 + written },
                    raw.count - written,
                    off_t(position + Int64(written))
                )
                if result < 0 {
                    if errno == EINTR { continue }
                    throw Posix.error("pwrite", self.path)
                }
                written += result
            }
        }
    }

    func read(at position: Int64, length: Int) throws -> ByteBuffer {
        try self.checkOpen()
        let wanted = max(0, min(Int64(length), self.size - position))
        guard wanted > 0, position >= 0 else { return ByteBuffer() }
        var buffer = ByteBufferAllocator().buffer(capacity: Int(wanted))
        try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: Int(wanted)) { raw in
            var done = 0
            while done < Int(wanted) {
                let result = pread(self.descriptor, raw.baseAddress.map { $0 + done }, Int(wanted) - done,
                                   off_t(position + Int64(done)))
                if result < 0 {
                    if errno == EINTR { continue }
                    throw Posix.error("pread", self.path)
                }
                if result == 0 { break }  // file shrank underneath us; return what exists
                done += result
            }
            return done
        }
        return buffer
    }

    func duplicateHandle() throws -> NIOFileHandle? {
        try self.checkOpen()
        let copy = dup(self.descriptor)
        guard copy >= 0 else { throw Posix.error("dup", self.path) }
        return NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: copy)
    }

    func truncate(to size: Int64) throws {
        try self.checkOpen()
        guard ftruncate(self.descriptor, off_t(size)) == 0 else { throw Posix.error("ftruncate", self.path) }
        self.size = size
    }

    func sync() throws {
        try self.checkOpen()
        #if canImport(Glibc)
        let result = fdatasync(self.descriptor)
        #else
        let result = fsync(self.descriptor)
        #endif
        guard result == 0 else { throw Posix.error("fdatasync", self.path) }
    }

    func syncHandle() throws -> SyncHandle? {
        try self.checkOpen()
        if let handle = self.cachedSyncHandle { return handle }
        let handle = try SyncHandle(duplicating: self.descriptor, path: self.path)
        self.cachedSyncHandle = handle
        return handle
    }

    func close() throws {
        guard self.descriptor >= 0 else { return }
        let descriptor = self.descriptor
        self.descriptor = -1
        // A flush in progress keeps its own reference; the duplicate closes when that is done too.
        self.cachedSyncHandle = nil
        guard posixClose(descriptor) == 0 else { throw Posix.error("close", self.path) }
    }

    func delete() throws {
        try? self.close()
        guard unlink(self.path) == 0 || errno == ENOENT else { throw Posix.error("unlink", self.path) }
    }

    private func checkOpen() throws {
        guard self.descriptor >= 0 else { throw LogError.closed(self.path) }
    }
}

// Inside the class `open`/`close` name its own methods; these reach the C functions.
private func posixOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
    open(path, flags, mode)
}

private func posixClose(_ descriptor: Int32) -> Int32 {
    close(descriptor)
}
