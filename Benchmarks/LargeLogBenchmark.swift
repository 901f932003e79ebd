import Foundation
import KappaLog
import KappaWire
import Logging
import NIOCore

/// A partition holding tens of millions of records (issue 6: 50M) must open from its indexes,
/// not by scanning, and find any offset or timestamp in well under a millisecond. Builds the
/// partition once (batches of 1,000 small records, one timestamp per record, 1 ms apart), closes
/// it, then times `PartitionLog.open` and random seeks. The page cache is warm: the figures are
/// the broker's own work, not the disk's.
enum LargeLogBenchmark {
    static let recordsPerBatch = 1_000
    static let seeks = 2_000

    static func run(records: Int, dataDirectory: String) throws -> [Figure] {
        let batches = max(1, records / Self.recordsPerBatch)
        let total = batches * Self.recordsPerBatch
        let root = "\(dataDirectory)/kappa-microbench-large-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let logger = Logger(label: "kappa.microbench")
        let config = LogConfig(segmentMs: nil, retentionMs: nil)
        let firstTimestamp: Int64 = 1_700_000_000_000

        let buildStart = nowNanoseconds()
        var log = try PartitionLog.open(directory: root, config: config, logger: logger)
        // One batch built once; each append gets its own timestamps (and so a new CRC), as a
        // producer's batches would, without rebuilding 50M records.
        var builder = RecordBatchBuilder()
        let value = Samples.randomBytes(10)
        for index in 0..<Self.recordsPerBatch {
            builder.append(key: nil, value: value, timestamp: firstTimestamp + Int64(index))
        }
        var template = builder.build()
        for batch in 0..<batches {
            let base = firstTimestamp + Int64(batch * Self.recordsPerBatch)
            Self.restamp(&template, baseTimestamp: base, maxTimestamp: base + Int64(Self.recordsPerBatch - 1))
            _ = try log.append(template, now: base)
        }
        try log.flush()
        let bytes = log.sizeInBytes
        try log.close()
        let buildSeconds = Double(nowNanoseconds() - buildStart) / 1e9

        let openStart = nowNanoseconds()
        log = try PartitionLog.open(directory: root, config: config, logger: logger)
        let openNanoseconds = Double(nowNanoseconds() - openStart)
        guard log.logEndOffset == Int64(total) else {
            throw BenchmarkError("reopened log ends at \(log.logEndOffset), expected \(total)")
        }

        var generator = SystemRandomNumberGenerator()
        var offsetTimes: [Double] = []
        for _ in 0..<Self.seeks {
            let offset = Int64.random(in: 0..<Int64(total), using: &generator)
            let start = nowNanoseconds()
            let data = try log.read(from: offset, maxBytes: 1)
            offsetTimes.append(Double(nowNanoseconds() - start))
            guard data.readableBytes > 0 else { throw BenchmarkError("no data at offset \(offset)") }
        }
        var timestampTimes: [Double] = []
        for _ in 0..<Self.seeks {
            let target = Int64.random(in: 0..<Int64(total), using: &generator)
            let start = nowNanoseconds()
            let found = log.offset(forTimestamp: firstTimestamp + target)
            timestampTimes.append(Double(nowNanoseconds() - start))
            guard found?.offset == target else {
                throw BenchmarkError("timestamp seek for record \(target) found \(String(describing: found))")
            }
        }
        try log.close()

        let label = String(format: "%.1fM records, %d MB, %d segment(s)",
                           Double(total) / 1e6, Int(bytes / 1_000_000), log.segmentCount)
        return [
            Figure(name: "large partition: build (\(label))", value: buildSeconds, unit: "s"),
            Figure(name: "large partition: open", value: openNanoseconds / 1e6, unit: "ms"),
            Figure(name: "large partition: seek to offset, median", value: Self.median(offsetTimes) / 1e3, unit: "us"),
            Figure(name: "large partition: seek to offset, max of \(Self.seeks)", value: (offsetTimes.max() ?? 0) / 1e3,
                   unit: "us"),
            Figure(name: "large partition: seek to timestamp, median", value: Self.median(timestampTimes) / 1e3,
                   unit: "us"),
            Figure(name: "large partition: seek to timestamp, max of \(Self.seeks)",
                   value: (timestampTimes.max() ?? 0) / 1e3, unit: "us"),
        ]
    }

    /// Rewrites a v2 batch's base and max timestamps (record timestamps are deltas from the base)
    /// and its CRC-32C, which covers everything from the attributes on.
    private static func restamp(_ batch: inout ByteBuffer, baseTimestamp: Int64, maxTimestamp: Int64) {
        let start = batch.readerIndex
        batch.setInteger(baseTimestamp, at: start + 27)
        batch.setInteger(maxTimestamp, at: start + 35)
        if let crc = CRC32C.checksum(batch, range: (start + 21)..<batch.writerIndex) {
            batch.setInteger(crc, at: start + 17)
        }
    }

    private static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
