import KappaWire
import NIOCore

/// Codec work done for every request: checksums, batch headers, Produce and Fetch messages.
enum WireBenchmarks {
    /// What librdkafka 2.0 speaks to this broker.
    static let produceVersion: Int16 = 7
    static let fetchVersion: Int16 = 11

    static func run(_ plan: TimingPlan) throws -> [Figure] {
        var figures: [Figure] = []
        let batch = Samples.batch

        let block = Samples.randomBytes(64 * 1024)
        let crcBlock = block.withUnsafeBytes { bytes in
            plan.nanosecondsPerOperation { blackHole(CRC32C.checksum(bytes)) }
        }
        figures.append(.gigabytesPerSecond("CRC-32C, 64 KiB buffer", nanoseconds: crcBlock, bytes: block.count))
        let crcBatch = batch.withUnsafeReadableBytes { bytes in
            plan.nanosecondsPerOperation { blackHole(CRC32C.checksum(bytes)) }
        }
        figures.append(.gigabytesPerSecond("CRC-32C, \(Samples.batchLabel)", nanoseconds: crcBatch,
                                           bytes: batch.readableBytes))

        let headerParse = try plan.nanosecondsPerOperation {
            blackHole(try RecordBatchHeader(parsing: batch, at: batch.readerIndex))
        }
        figures.append(.nanoseconds("RecordBatch header parse", headerParse, per: "batch"))
        let scan = try plan.nanosecondsPerOperation { blackHole(try RecordBatchScanner.scan(batch)) }
        figures.append(.nanoseconds("RecordBatch scan + CRC check, \(Samples.batchLabel)", scan, per: "batch"))

        let produce = ProduceRequest(acks: 1, timeoutMs: 30_000, topicData: [
            .init(name: Samples.topic, partitionData: [.init(index: 0, records: batch)])
        ])
        let produceResponse = ProduceResponse(responses: [
            .init(name: Samples.topic, partitionResponses: [
                .init(index: 0, errorCode: 0, baseOffset: 123_456, logAppendTimeMs: -1, logStartOffset: 0)
            ])
        ], throttleTimeMs: 0)
        figures += try Self.codec(produce, label: "Produce v\(Self.produceVersion) request (1 partition, 1 batch)",
                                  response: produceResponse, version: Self.produceVersion, plan: plan,
                                  responseLabel: "Produce v\(Self.produceVersion) response (1 partition)")

        let fetch = FetchRequest(maxWaitMs: 500, minBytes: 1, maxBytes: 52_428_800, sessionEpoch: -1, topics: [
            .init(topic: Samples.topic, partitions: [.init(fetchOffset: 123_456, partitionMaxBytes: 1_048_576)])
        ])
        let fetchResponse = FetchResponse(responses: [
            .init(topic: Samples.topic, partitions: [
                .init(partitionIndex: 0, highWatermark: 200_000, lastStableOffset: 200_000, logStartOffset: 0,
                      abortedTransactions: [], records: batch)
            ])
        ])
        figures += try Self.codec(fetch, label: "Fetch v\(Self.fetchVersion) request (1 partition)",
                                  response: fetchResponse, version: Self.fetchVersion, plan: plan,
                                  responseLabel: "Fetch v\(Self.fetchVersion) response (1 partition, 1 batch)")
        return figures
    }

    /// Request decode and encode, response encode: the broker decodes requests and encodes
    /// responses; request encoding is the client's side, measured for comparison.
    private static func codec<Request: KafkaMessage, Response: KafkaMessage>(
        _ request: Request, label: String, response: Response, version: Int16, plan: TimingPlan,
        responseLabel: String
    ) throws -> [Figure] {
        var encoded = ByteBuffer()
        request.write(to: &encoded, version: version)
        let wire = encoded
        let decode = try plan.nanosecondsPerOperation {
            var input = wire
            blackHole(try Request(from: &input, version: version))
        }
        var output = ByteBufferAllocator().buffer(capacity: 64 * 1024)
        let encode = plan.nanosecondsPerOperation {
            output.clear()
            request.write(to: &output, version: version)
            blackHole(output.readableBytes)
        }
        let encodeResponse = plan.nanosecondsPerOperation {
            output.clear()
            response.write(to: &output, version: version)
            blackHole(output.readableBytes)
        }
        return [
            .nanoseconds("\(label) decode", decode),
            .nanoseconds("\(label) encode", encode),
            .nanoseconds("\(responseLabel) encode", encodeResponse),
        ]
    }
}
