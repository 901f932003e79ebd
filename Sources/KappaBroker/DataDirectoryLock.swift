import Foundation

/// An exclusive `flock` on `<data-dir>/.lock`, held for the broker's lifetime, so a second broker
/// on the same directory is refused instead of interleaving writes into the same segments.
public final class DataDirectoryLock: Sendable {
    private let fd: Int32
    public let path: String

    public init(directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw BrokerError.dataDirectory("cannot create data directory \(directory): \(error.localizedDescription)")
        }
        self.path = "\(directory)/.lock"
        let fd = open(self.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw BrokerError.dataDirectory("cannot open \(self.path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let why = errno == EWOULDBLOCK ? "another Kappa broker is using it" : String(cString: strerror(errno))
            close(fd)
            throw BrokerError.dataDirectory("data directory \(directory) is locked: \(why)")
        }
        self.fd = fd
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    deinit {
        flock(self.fd, LOCK_UN)
        close(self.fd)
    }
}

public enum BrokerError: Error, CustomStringConvertible {
    case dataDirectory(String)

    public var description: String {
        switch self {
        case .dataDirectory(let why): return why
        }
    }
}
