import KappaWire
import NIOCore

/// What must hold for any frame, well-formed or not: decoding throws instead of trapping, and what
/// decodes re-encodes to bytes that decode to the same request (so the broker never answers from a
/// request it misread). Produce payloads also go through the record batch scanner and decoder.
enum WireChecks {
    static func check(frame: ByteBuffer) {
        var buffer = frame
        guard let header = try? RequestHeader(from: &buffer) else { return }
        Self.checkHeaderRoundTrip(header)
        guard let api = ApiKey(rawValue: header.apiKey) else {
            Invariant.fail("a header of unknown API \(header.apiKey) was decoded")
        }
        let version = header.apiVersion
        let request: any KafkaMessage
        do {
            request = try api.decodeRequest(from: &buffer, version: version)
        } catch let error as WireError {
            if case .unsupportedVersion = error {
                Invariant.require(!api.requestType.validVersions.contains(version))
            }
            return
        } catch {
            Invariant.fail("\(api.name) v\(version) decoder threw a non-wire error: \(error)")
        }
        Self.checkBodyRoundTrip(request, api: api, version: version)
        if let produce = request as? ProduceRequest {
            for topic in produce.topicData {
                for partition in topic.partitionData {
                    if let records = partition.records { RecordChecks.check(records) }
                }
            }
        }
    }

    static func checkHeaderRoundTrip(_ header: RequestHeader) {
        var encoded = ByteBuffer()
        header.write(to: &encoded)
        do {
            let again = try RequestHeader(from: &encoded)
            Invariant.require(again == header, "request header changed in a round trip: \(header) -> \(again)")
            Invariant.require(encoded.readableBytes == 0, "request header re-encoded with trailing bytes")
        } catch {
            Invariant.fail("re-encoded request header does not decode: \(error)")
        }
    }

    static func checkBodyRoundTrip(_ request: any KafkaMessage, api: ApiKey, version: Int16) {
        var first = ByteBuffer()
        request.write(to: &first, version: version)
        var reader = first
        let again: any KafkaMessage
        do {
            again = try api.decodeRequest(from: &reader, version: version)
        } catch {
            Invariant.fail("re-encoded \(api.name) v\(version) does not decode: \(error)")
        }
        Invariant.require(reader.readableBytes == 0,
                          "re-encoded \(api.name) v\(version) leaves \(reader.readableBytes) bytes")
        var second = ByteBuffer()
        again.write(to: &second, version: version)
        Invariant.require(first == second, "\(api.name) v\(version) changed in a decode/encode round trip")
    }
}
