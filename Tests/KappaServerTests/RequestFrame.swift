import KappaWire
import NIOCore

/// A request as a client puts it on the wire: int32 size, request header, body.
func requestFrame(_ header: RequestHeader, _ body: some KafkaMessage) -> ByteBuffer {
    var buffer = ByteBuffer()
    buffer.writeInteger(Int32(0))
    header.write(to: &buffer)
    body.write(to: &buffer, version: header.apiVersion)
    buffer.setInteger(Int32(buffer.readableBytes - 4), at: 0)
    return buffer
}
