import Foundation
import KappaLog
import Logging
import NIOCore

/// `PartitionLog.append` as a Produce drives it: validation (headers, CRC), offset assignment,
/// the write, index upkeep. No syncs (the default interval policy syncs later, on its own thread).
enum LogBenchmarks {
    /// Bytes appended per timed round: enough to reach a steady state, little enough for the page cache.
    static let bytesPerRound = 64 << 20

    static func run(_ plan: TimingPlan, dataDirectory: String) throws -> [Figure] {
        let batch = Samples.batch
        let appends = max(1, Self.bytesPerRound / batch.readableBytes)
        var figures: [Figure] = []

        var memoryLog = PartitionLog.inMemory(config: LogConfig())
        let memory = try plan.nanosecondsPerOperation(iterations: appends, setUp: {
            memoryLog = PartitionLog.inMemory(config: LogConfig())
        }) {
            blackHole(try memoryLog.append(batch, now: 0))
        }
        figures.append(.megabytesPerSecond("PartitionLog append, memory, \(Samples.batchLabel)", nanoseconds: memory,
                                           bytes: batch.readableBytes))

        let root = "\(dataDirectory)/kappa-microbench-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        var round = 0
        var diskLog: PartitionLog?
        let disk = try plan.nanosecondsPerOperation(iterations: appends, setUp: {
            // Each round starts with a fresh partition; the previous one is removed unsynced.
            try diskLog?.deleteFromDisk()
            round += 1
            diskLog = try PartitionLog.open(directory: "\(root)/bench-\(round)", config: LogConfig(),
                                            logger: Logger(label: "kappa.microbench"))
        }) {
            blackHole(try diskLog?.append(batch, now: 0))
        }
        try diskLog?.deleteFromDisk()
        figures.append(.megabytesPerSecond("PartitionLog append, disk (page cache), \(Samples.batchLabel)",
                                           nanoseconds: disk, bytes: batch.readableBytes))
        return figures
    }
}
