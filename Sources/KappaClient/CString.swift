/// C string helpers shared by the wrappers.
enum CString {
    /// The text before the first NUL of a buffer librdkafka wrote an error into.
    static func string(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A Swift string from a possibly-null C string ("" for null).
    static func string(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }

    /// Runs `body` with a 512-byte error buffer and returns what librdkafka wrote into it.
    static func withErrorBuffer<T>(_ body: (UnsafeMutablePointer<CChar>, Int) throws -> T) rethrows -> (T, String) {
        let count = 512
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: count)
        buffer.initialize(repeating: 0, count: count)
        defer { buffer.deallocate() }
        let result = try body(buffer, count)
        buffer[count - 1] = 0
        return (result, String(cString: buffer))
    }
}
