import KappaWire
import NIOCore
import Testing

@Suite struct HeaderTests {
    @Test func requestHeaderV1GoldenBytes() throws {
        // Metadata v4 from kcat: key 3, version 4, correlation 1, client id "rdkafka".
        let bytes: [UInt8] = [0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x07] + Array("rdkafka".utf8)
        var buffer = ByteBuffer(bytes: bytes)
        let header = try RequestHeader(from: &buffer)
        #expect(header == RequestHeader(apiKey: 3, apiVersion: 4, correlationId: 1, clientId: "rdkafka"))
        var out = ByteBuffer()
        header.write(to: &out)
        #expect(Array(out.readableBytesView) == bytes)
    }

    @Test func requestHeaderV2HasTagsButClassicClientId() throws {
        // ApiVersions v3 is flexible: header v2, client id still int16-length, then an empty tag buffer.
        let bytes: [UInt8] = [0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x2A, 0x00, 0x02] + Array("py".utf8) + [0x00]
        var buffer = ByteBuffer(bytes: bytes)
        let header = try RequestHeader(from: &buffer)
        #expect(header == RequestHeader(apiKey: 18, apiVersion: 3, correlationId: 42, clientId: "py"))
        #expect(buffer.readableBytes == 0)
        var out = ByteBuffer()
        header.write(to: &out)
        #expect(Array(out.readableBytesView) == bytes)
    }

    @Test func nullClientId() throws {
        var buffer = ByteBuffer(bytes: [0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x05, 0xFF, 0xFF])
        let header = try RequestHeader(from: &buffer)
        #expect(header.clientId == nil)
    }

    @Test func unknownApiKeyIsAnError() {
        var buffer = ByteBuffer(bytes: [0x03, 0xE7, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00])
        #expect(throws: WireError.unknownApiKey(999)) { _ = try RequestHeader(from: &buffer) }
    }

    @Test func apiVersionsResponseAlwaysUsesHeaderV0() {
        #expect(ResponseHeader.headerVersion(apiKey: 18, apiVersion: 3) == 0)
        #expect(ResponseHeader.headerVersion(apiKey: 3, apiVersion: 9) == 1)
        #expect(ResponseHeader.headerVersion(apiKey: 3, apiVersion: 8) == 0)
        #expect(ResponseHeader.headerVersion(apiKey: 0, apiVersion: 9) == 1)
    }

    @Test func responseHeaderBytes() {
        var v0 = ByteBuffer()
        ResponseHeader(correlationId: 7).write(to: &v0, headerVersion: 0)
        #expect(Array(v0.readableBytesView) == [0, 0, 0, 7])
        var v1 = ByteBuffer()
        ResponseHeader(correlationId: 7).write(to: &v1, headerVersion: 1)
        #expect(Array(v1.readableBytesView) == [0, 0, 0, 7, 0])
    }
}
