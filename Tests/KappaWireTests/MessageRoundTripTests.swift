import KappaWire
import NIOCore
import Testing

/// Every version of every generated message: encode a sample with all fields set, decode it, encode
/// again. The second encoding must equal the first and the decoder must consume every byte.
@Suite struct MessageRoundTripTests {
    @Test(arguments: allMessageSamples)
    func everyVersionRoundTrips(_ sample: MessageSample) throws {
        for version in sample.versions {
            let result = try sample.roundTrip(version)
            #expect(result.leftover == 0, "\(sample.name) v\(version) left \(result.leftover) bytes")
            #expect(result.first == result.second, "\(sample.name) v\(version) re-encoded differently")
        }
    }

    @Test func samplesCoverEveryRequestAndResponse() {
        let names = Set(allMessageSamples.map(\.name))
        for api in ApiKey.allCases {
            #expect(names.contains("\(api.name)Request"))
            #expect(names.contains("\(api.name)Response"))
        }
    }

    @Test func fieldsOutsideAVersionAreNotWritten() throws {
        // Produce v2 has no transactional id: the body starts with acks.
        var buffer = ByteBuffer()
        ProduceRequest(transactionalId: "tx", acks: -1, timeoutMs: 30_000, topicData: []).write(to: &buffer, version: 2)
        #expect(Array(buffer.readableBytesView) == [0xFF, 0xFF, 0x00, 0x00, 0x75, 0x30, 0x00, 0x00, 0x00, 0x00])
    }

    @Test func taggedFieldsAreSkippedOnInput() throws {
        // ApiVersions v3 request with one unknown tagged field after the software version.
        var buffer = ByteBuffer()
        buffer.writeKafkaString("kcat", flexible: true)
        buffer.writeKafkaString("1.7.1", flexible: true)
        buffer.writeUnsignedVarint(1)  // one tagged field
        buffer.writeUnsignedVarint(7)  // tag
        buffer.writeUnsignedVarint(3)  // size
        buffer.writeBytes([1, 2, 3])
        let request = try ApiVersionsRequest(from: &buffer, version: 3)
        #expect(request.clientSoftwareName == "kcat")
        #expect(request.clientSoftwareVersion == "1.7.1")
        #expect(buffer.readableBytes == 0)
    }

    @Test func truncatedInputThrowsInsteadOfTrapping() {
        var full = ByteBuffer()
        MetadataRequest(topics: [.init(name: "sample")], allowAutoTopicCreation: true).write(to: &full, version: 9)
        for cut in 0..<full.readableBytes {
            var slice = full.getSlice(at: 0, length: cut)!
            #expect(throws: WireError.self) { _ = try MetadataRequest(from: &slice, version: 9) }
        }
    }

    @Test func hugeArrayCountIsRejected() {
        var buffer = ByteBuffer()
        buffer.writeInteger(Int32(0x7FFF_FFFF))  // topic count of a Metadata v1 request
        #expect(throws: WireError.self) { _ = try MetadataRequest(from: &buffer, version: 1) }
    }
}
