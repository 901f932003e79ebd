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

    /// A NUL-terminated copy the caller frees with `deallocate()`.
    static func duplicate(_ string: String) -> UnsafeMutablePointer<CChar> {
        let bytes = Array(string.utf8CString)
        let copy = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
        copy.initialize(from: bytes, count: bytes.count)
        return copy
    }

    /// Runs `body` with a C array of C strings (`const char **`), valid only during the call.
    static func withArray<T>(_ strings: [String], _ body: (UnsafeMutablePointer<UnsafePointer<CChar>?>) throws -> T) rethrows -> T {
        let copies = strings.map(Self.duplicate)
        defer { copies.forEach { $0.deallocate() } }
        var pointers: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) } + [nil]
        return try body(&pointers)
    }
}
