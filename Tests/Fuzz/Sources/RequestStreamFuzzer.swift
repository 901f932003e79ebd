import KappaWire
import NIOCore
import NIOEmbedded

/// Drives one fuzz input through what a connection does with its bytes.
///
/// Input layout: one control byte, then the byte stream a client would send (int32 size, frame,
/// int32 size, frame, ...). The control byte's low six bits are the size of the reads the stream
/// arrives in (0: all at once), so the fuzzer also explores frames split at every position; bit 6
/// puts the broker behind the SASL gate.
///
/// The frame decoder's output is compared with a plain reference split of the same stream; each
/// frame then goes through the request checks (`WireChecks`) and, when built with
/// `KAPPA_FUZZ_BROKER`, to an in-memory broker (`BrokerSession`).
enum RequestStreamFuzzer {
    /// Small enough that the fuzzer reaches the limit, large enough for every captured request.
    static let maxFrameSize = 4096

    static func run(_ input: [UInt8]) {
        guard let control = input.first else { return }
        let stream = Array(input.dropFirst())
        let readSize = Int(control & 0x3f)
        let decoded = Self.decodeFrames(stream, readSize: readSize)
        let expected = ReferenceSplit(stream, maxFrameSize: Self.maxFrameSize)
        Invariant.require(decoded.frames.map { Array($0.readableBytesView) } == expected.frames,
                          "frame decoder disagrees with the reference split")
        Invariant.require(decoded.rejectedSize == expected.rejectedSize, "frame size rejection differs")
        if expected.rejectedSize == nil {
            Invariant.require(decoded.truncatedAtEOF == (expected.leftover > 0), "truncation at EOF differs")
        }
        #if KAPPA_FUZZ_BROKER
        let session = BrokerSession(sasl: control & 0x40 != 0)
        defer { session.close() }
        #endif
        for frame in decoded.frames {
            WireChecks.check(frame: frame)
            #if KAPPA_FUZZ_BROKER
            guard session.handle(frame: frame) else { break }
            #endif
        }
    }

    struct Decoded {
        var frames: [ByteBuffer] = []
        var rejectedSize: Int?
        var truncatedAtEOF = false
    }

    /// Feeds `stream` to `KafkaFrameDecoder` in reads of `readSize` bytes, as the server's pipeline does.
    static func decodeFrames(_ stream: [UInt8], readSize: Int) -> Decoded {
        let channel = EmbeddedChannel()
        var result = Decoded()
        do {
            try channel.pipeline.syncOperations.addHandler(
                ByteToMessageHandler(KafkaFrameDecoder(maxFrameSize: Self.maxFrameSize)))
        } catch {
            Invariant.fail("cannot set up the pipeline: \(error)")
        }
        var offset = 0
        while offset < stream.count, result.rejectedSize == nil {
            let count = readSize == 0 ? stream.count - offset : min(readSize, stream.count - offset)
            var read = channel.allocator.buffer(capacity: count)
            read.writeBytes(stream[offset..<(offset + count)])
            offset += count
            do {
                try channel.writeInbound(read)
            } catch FrameError.invalidSize(let size, let limit) {
                Invariant.require(limit == Self.maxFrameSize)
                result.rejectedSize = size
            } catch {
                Invariant.fail("unexpected error from the frame decoder: \(error)")
            }
        }
        while let frame = Self.readFrame(channel) {
            result.frames.append(frame)
        }
        do {
            _ = try channel.finish()
        } catch FrameError.truncated(let buffered) {
            Invariant.require(buffered > 0)
            result.truncatedAtEOF = true
        } catch {
            // After a rejected size the handler is in its error state; nothing more to learn.
            Invariant.require(result.rejectedSize != nil, "unexpected error at EOF: \(error)")
        }
        return result
    }

    private static func readFrame(_ channel: EmbeddedChannel) -> ByteBuffer? {
        do {
            return try channel.readInbound(as: ByteBuffer.self)
        } catch {
            Invariant.fail("the frame decoder emitted something other than a ByteBuffer: \(error)")
        }
    }
}
