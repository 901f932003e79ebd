/// The obviously correct way to cut a whole byte stream into Kafka frames, for comparison with the
/// incremental `KafkaFrameDecoder`, which sees the stream in pieces.
struct ReferenceSplit {
    var frames: [[UInt8]] = []
    /// The first size outside 0...maxFrameSize, if any; nothing after it is a frame.
    var rejectedSize: Int?
    /// Bytes after the last whole frame (a size prefix or a frame cut short).
    var leftover = 0

    init(_ stream: [UInt8], maxFrameSize: Int) {
        var offset = 0
        while stream.count - offset >= 4 {
            let size = Int(Int32(bitPattern: stream[offset..<(offset + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }))
            guard size >= 0, size <= maxFrameSize else {
                self.rejectedSize = size
                return
            }
            guard stream.count - offset - 4 >= size else { break }
            self.frames.append(Array(stream[(offset + 4)..<(offset + 4 + size)]))
            offset += 4 + size
        }
        self.leftover = stream.count - offset
    }
}
