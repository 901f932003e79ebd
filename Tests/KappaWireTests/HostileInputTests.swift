import KappaWire
import NIOCore
import Testing

/// Inputs no client sends but anyone can: each one once broke, or could break, the codec's promise
/// that what it decodes it can write back as a readable frame.
@Suite struct HostileInputTests {
    /// A compact string longer than 32,767 bytes is refused, as Kafka refuses it: stored (a group id,
    /// a config value), it would later be written into classic responses for other clients.
    @Test func compactStringLongerThanAnInt16IsRefused() throws {
        var request = ByteBuffer()
        JoinGroupRequest(groupId: "g", sessionTimeoutMs: 10_000, memberId: "", protocolType: "consumer")
            .write(to: &request, version: 6)
        request.moveReaderIndex(forwardBy: 2)  // the group id: compact length 2, "g"
        var buffer = ByteBuffer()
        buffer.writeUnsignedVarint(40_001)
        buffer.writeRepeatingByte(UInt8(ascii: "g"), count: 40_000)
        buffer.writeBuffer(&request)
        #expect(throws: WireError.invalid("string length 40000")) {
            _ = try JoinGroupRequest(from: &buffer, version: 6)
        }
    }

    @Test func compactStringOfTheLongestLengthIsRead() throws {
        let groupId = String(repeating: "g", count: ByteBuffer.maxKafkaStringLength)
        var buffer = ByteBuffer()
        JoinGroupRequest(groupId: groupId, protocolType: "consumer").write(to: &buffer, version: 6)
        #expect(try JoinGroupRequest(from: &buffer, version: 6).groupId == groupId)
    }

    /// 20,000 bytes of 0xFF in a classic topic name decode to 20,000 U+FFFD, 60,000 bytes of UTF-8.
    /// Written back (the broker echoes the name in its Metadata answer), the length used to wrap
    /// around in the int16 and the answer could not be parsed.
    @Test func repairedStringTooLongForItsLengthIsCutAtACodePoint() throws {
        var request = ByteBuffer()
        request.writeInteger(Int32(1))  // one topic
        request.writeInteger(Int16(20_000))
        request.writeRepeatingByte(0xFF, count: 20_000)
        let decoded = try MetadataRequest(from: &request, version: 1)
        let name = try #require(decoded.topics?.first?.name)
        #expect(name.utf8.count == 60_000)

        var response = ByteBuffer()
        MetadataResponse(topics: [.init(errorCode: 17, name: name)]).write(to: &response, version: 1)
        let reread = try MetadataResponse(from: &response, version: 1)
        #expect(response.readableBytes == 0)
        let cut = try #require(reread.topics.first?.name)
        #expect(cut.utf8.count == 32_766, "10,922 whole U+FFFD fit in 32,767 bytes")
        #expect(cut.unicodeScalars.allSatisfy { $0 == "\u{FFFD}" })
        #expect(reread.topics.first?.errorCode == 17)
    }

    @Test func repairedStringIsCutTheSameWayInCompactEncoding() throws {
        let name = String(repeating: "\u{FFFD}", count: 20_000)
        var buffer = ByteBuffer()
        buffer.writeKafkaString(name, flexible: true)
        let reread = try buffer.readKafkaString(flexible: true)
        #expect(reread.utf8.count == 32_766)
        #expect(buffer.readableBytes == 0)
    }

    @Test func versionOutsideTheSchemaIsRefusedBeforeReading() throws {
        var buffer = ByteBuffer(bytes: [0, 0, 0, 0])
        #expect(throws: WireError.unsupportedVersion(apiKey: 3, version: 99)) {
            _ = try ApiKey.metadata.decodeRequest(from: &buffer, version: 99)
        }
        #expect(buffer.readableBytes == 4)
        #expect(throws: WireError.unsupportedVersion(apiKey: 0, version: -1)) {
            _ = try ApiKey.produce.decodeRequest(from: &buffer, version: -1)
        }
    }

    @Test func requestFrameMustBeConsumedWhole() throws {
        var frame = ByteBuffer()
        RequestHeader(apiKey: 18, apiVersion: 0, correlationId: 9, clientId: "c").write(to: &frame)
        let (header, body) = try ApiKey.decodeRequestFrame(frame)
        #expect(header.correlationId == 9)
        #expect(body is ApiVersionsRequest)
        frame.writeInteger(UInt8(0))
        #expect(throws: WireError.invalid("ApiVersions v0 request followed by 1 more bytes")) {
            _ = try ApiKey.decodeRequestFrame(frame)
        }
    }
}
