import Foundation

/// Small metadata files are replaced whole: write a temporary file, fsync it, rename it over the
/// old one. A crash leaves either the old or the new content, never half of each.
enum AtomicFile {
    static func write(_ data: Data, to path: String) throws {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw AtomicFileError.failed("open \(temporary): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(fd, raw.baseAddress!.advanced(by: offset), raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw AtomicFileError.failed("write \(temporary): \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
        guard fsync(fd) == 0 else { throw AtomicFileError.failed("fsync \(temporary): \(String(cString: strerror(errno)))") }
        guard rename(temporary, path) == 0 else {
            throw AtomicFileError.failed("rename \(temporary): \(String(cString: strerror(errno)))")
        }
    }
}

enum AtomicFileError: Error, CustomStringConvertible {
    case failed(String)
    var description: String {
        switch self { case .failed(let why): return why }
    }
}
