import KappaWire
import NIOCore
import Testing

/// Golden bytes: requests real clients sent (captured by Tools/capture_requests.py). Each must decode
/// completely and re-encode to the identical bytes.
@Suite struct CapturedRequestTests {
    static func bytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
            bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }

    @Test(arguments: capturedRequests)
    func decodesCompletelyAndReencodesIdentically(_ captured: CapturedRequest) throws {
        let original = Self.bytes(captured.hex)
        var buffer = ByteBuffer(bytes: original)
        let header = try RequestHeader(from: &buffer)
        #expect(header.apiKey == captured.apiKey)
        #expect(header.apiVersion == captured.apiVersion)
        let api = try #require(ApiKey(rawValue: header.apiKey))
        let request = try api.requestType.init(from: &buffer, version: header.apiVersion)
        #expect(buffer.readableBytes == 0, "\(captured) left \(buffer.readableBytes) bytes")
        var out = ByteBuffer()
        header.write(to: &out)
        request.write(to: &out, version: header.apiVersion)
        #expect(Array(out.readableBytesView) == original, "\(captured) re-encoded differently")
    }

    @Test func capturesCoverEveryClient() {
        let clients = Set(capturedRequests.map(\.client))
        #expect(clients == ["kcat", "confluent", "kafka-python-2", "kafka-python-3", "aiokafka"])
    }

    @Test func kcatIdentifiesItselfInApiVersions() throws {
        let captured = try #require(capturedRequests.first { $0.client == "kcat" && $0.apiKey == 18 })
        var buffer = ByteBuffer(bytes: Self.bytes(captured.hex))
        let header = try RequestHeader(from: &buffer)
        let request = try ApiVersionsRequest(from: &buffer, version: header.apiVersion)
        #expect(request.clientSoftwareName == "librdkafka")
        #expect(request.clientSoftwareVersion == "2.0.2")
    }

    @Test func kafkaPython2ProbesWithMetadataV0ForAllTopics() throws {
        let captured = try #require(capturedRequests.first { $0.client == "kafka-python-2" && $0.apiKey == 3 && $0.apiVersion == 0 })
        var buffer = ByteBuffer(bytes: Self.bytes(captured.hex))
        _ = try RequestHeader(from: &buffer)
        let request = try MetadataRequest(from: &buffer, version: 0)
        #expect(request.topics == [])
    }

    @Test func producedRecordsStayASliceOfTheRequest() throws {
        let captured = try #require(capturedRequests.first { $0.client == "confluent" && $0.apiKey == 0 })
        var buffer = ByteBuffer(bytes: Self.bytes(captured.hex))
        let header = try RequestHeader(from: &buffer)
        let request = try ProduceRequest(from: &buffer, version: header.apiVersion)
        let records = try #require(request.topicData.first?.partitionData.first?.records)
        let batch = try RecordBatchHeader(parsing: records, at: records.readerIndex)
        #expect(batch.crcMatches(in: records, at: records.readerIndex))
        #expect(batch.producerId >= 0, "confluent was run with enable.idempotence")
    }
}
