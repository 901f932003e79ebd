#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin wrappers over the POSIX calls the log needs beyond file I/O: directories, atomic
/// renames, advisory locks, clocks, and turning `errno` into a `LogError` that names the path.
enum Posix {
    /// `LogError.storage("<operation> <path>: <strerror(errno)>")`, read right after a failed call.
    static func error(_ operation: String, _ path: String) -> LogError {
        let code = errno
        return .storage("\(operation) \(path): \(String(cString: strerror(code))) (errno \(code))")
    }

    static func nowMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    static func modificationMilliseconds(_ info: stat) -> Int64 {
        #if canImport(Glibc)
        return Int64(info.st_mtim.tv_sec) * 1000 + Int64(info.st_mtim.tv_nsec) / 1_000_000
        #else
        return Int64(info.st_mtimespec.tv_sec) * 1000 + Int64(info.st_mtimespec.tv_nsec) / 1_000_000
        #endif
    }

    /// Creates `path` and any missing parents (like `mkdir -p`).
    static func createDirectory(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) != 0, errno != EEXIST {
                throw Self.error("mkdir", prefix)
            }
        }
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw LogError.storage("mkdir \(path): exists but is not a directory")
        }
    }

    /// Names of the entries of `path`, without `.` and `..`.
    static func listDirectory(_ path: String) throws -> [String] {
        guard let directory = opendir(path) else { throw Self.error("opendir", path) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: pointer.pointee)) {
                    String(cString: $0)
                }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes the files directly inside `path`, then `path` itself (partition directories are flat).
    static func removeDirectory(_ path: String) throws {
        for name in try Self.listDirectory(path) {
            let child = path + "/" + name
            guard unlink(child) == 0 || errno == ENOENT else { throw Self.error("unlink", child) }
        }
        guard rmdir(path) == 0 || errno == ENOENT else { throw Self.error("rmdir", path) }
    }

    static func remove(_ path: String) throws {
        guard unlink(path) == 0 || errno == ENOENT else { throw Self.error("unlink", path) }
    }

    static func rename(_ from: String, to: String) throws {
        #if canImport(Glibc)
        let result = Glibc.rename(from, to)
        #else
        let result = Darwin.rename(from, to)
        #endif
        guard result == 0 else { throw Self.error("rename to \(to)", from) }
    }

    /// Syncs a directory so that files created, renamed or removed in it survive a crash.
    static func syncDirectory(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Self.error("open", path) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw Self.error("fsync", path) }
    }

    /// Writes `contents` to `path` atomically: a temporary file, synced, renamed over `path`.
    static func writeAtomically(_ contents: String, to path: String, directory: String) throws {
        let temporary = path + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Self.error("open", temporary) }
        let bytes = Array(contents.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(descriptor) == 0 else {
            let error = Self.error("write", temporary)
            close(descriptor)
            throw error
        }
        close(descriptor)
        try Self.rename(temporary, to: path)
        try Self.syncDirectory(directory)
    }

    /// Reads a small text file; `nil` if it does not exist.
    static func readSmallFile(_ path: String) throws -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            if errno == ENOENT { return nil }
            throw Self.error("open", path)
        }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: 256)
        let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count >= 0 else { throw Self.error("read", path) }
        return String(decoding: bytes[0..<count], as: UTF8.self)
    }

    /// Takes an exclusive, non-blocking `flock` on `path` (created if needed) and returns the
    /// descriptor that holds it; closing the descriptor releases the lock.
    static func lockFile(_ path: String) throws -> Int32 {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Self.error("open", path) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(descriptor)
            if code == EWOULDBLOCK {
                throw LogError.locked("\(path) is locked by another open log (this or another process)")
            }
            errno = code
            throw Self.error("flock", path)
        }
        return descriptor
    }

    static func unlock(_ descriptor: Int32) {
        close(descriptor)
    }
}
