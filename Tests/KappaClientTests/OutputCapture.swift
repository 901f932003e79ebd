#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `body` with the process's stdout and stderr (file descriptors 1 and 2, where librdkafka would
/// print) redirected into a temporary file, and returns what was written there.
func capturingStandardOutput(_ body: () async throws -> Void) async throws -> String {
    var template = Array("/tmp/kappa-client-output-XXXXXX".utf8CString)
    let file = mkstemp(&template)
    guard file >= 0 else { throw TestFailure("mkstemp failed") }
    unlink(String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self))
    defer { close(file) }
    fflush(nil)
    let savedOut = dup(1)
    let savedErr = dup(2)
    dup2(file, 1)
    dup2(file, 2)
    func restore() {
        fflush(nil)
        dup2(savedOut, 1)
        dup2(savedErr, 2)
        close(savedOut)
        close(savedErr)
    }
    do {
        try await body()
    } catch {
        restore()
        throw error
    }
    restore()
    lseek(file, 0, SEEK_SET)
    var output: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = read(file, &buffer, buffer.count)
        guard count > 0 else { break }
        output.append(contentsOf: buffer[0..<count])
    }
    return String(decoding: output, as: UTF8.self)
}
