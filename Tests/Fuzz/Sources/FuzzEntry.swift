/// libFuzzer's entry point. Each input is one connection's worth of bytes (see `RequestStreamFuzzer`);
/// every check that fails traps, which libFuzzer reports as a crash and keeps the input of.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    RequestStreamFuzzer.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
