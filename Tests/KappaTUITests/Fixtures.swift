@testable import KappaTUI

/// The dashboard after the seed exercise: the create-topic command, put.py's three messages, get.py in
/// group-1, and `MYHAIR:Black` sent from Producer-Term.
enum Fixtures {
    /// 2026-11-24 19:21:00 UTC in ms.
    static let base: Int64 = 1_795_548_060_000

    static func json(_ s: String) -> [UInt8] { Array(JSONValue.pythonDumps(s).utf8) }

    static func message(_ offset: Int64, _ key: String, _ value: String, at ms: Int64) -> ConsumedMessage {
        ConsumedMessage(
            topic: "sample", partition: 0, offset: offset, timestamp: ms, key: json(key), value: json(value))
    }

    static let seedMessages = [
        message(0, "MYID", "A20545137", at: base + 14_201),
        message(1, "MYNAME", "Deep Pawar", at: base + 17_204),
        message(2, "MYEYECOLOR", "Brown", at: base + 20_207),
    ]

    static func typing(_ text: String, into state: inout DashboardState) -> [DashboardEffect] {
        var effects: [DashboardEffect] = []
        for c in text { effects += state.handle(.char(c)) }
        return effects
    }

    static func seeded(width: Int = 120, height: Int = 40) -> DashboardState {
        var s = DashboardState(
            clusterLabel: "broker 127.0.0.1:9092 · data ./kappa-data", topic: "sample", consumerGroup: "kappa-console")
        s.resize(width: width, height: height)
        let logs: [(Int64, LogLevel, String)] = [
            (3_000, .info, "broker listening on 127.0.0.1:9092"),
            (5_000, .info, "client kappa-dashboard (librdkafka 2.0.2) connected"),
            (14_000, .info, "client kafka-python 3.0.12 connected"),
            (14_100, .info, "producer 1001 initialised (idempotent)"),
            (20_000, .warning, "group group-1 rebalanced: generation 1, 1 member"),
        ]
        for (t, level, text) in logs { s.apply(.log(LogLine(timestamp: base + t, level: level, message: text))) }
        _ = typing(
            "bin/kafka-topics.sh --create --replication-factor 1 --partitions 1 --bootstrap-server localhost:9092 "
                + "--topic sample", into: &s)
        _ = s.handle(.enter)
        s.apply(.adminResult(command: "create", lines: ["Created topic sample."], isError: false))
        s.apply(.topics(["sample"]))
        s.apply(.groups(["group-1", "kappa-console"]))
        s.apply(.consumed(seedMessages))
        _ = s.handle(.tab)
        _ = s.handle(.tab)  // Producer-Term
        _ = typing("MYHAIR:Black", into: &s)
        _ = s.handle(.enter)
        s.apply(.produced(id: 1, result: .success(PartitionOffset(topic: "sample", partition: 0, offset: 3))))
        s.apply(.consumed([message(3, "MYHAIR", "Black", at: base + 62_810)]))
        for (i, end) in [Int64(3), 3, 3, 4].enumerated() {
            s.apply(
                .offsets(
                    OffsetsSnapshot(
                        topic: "sample", partitions: [PartitionSummary(partition: 0, startOffset: 0, endOffset: end)],
                        groups: [
                            GroupOffsets(group: "group-1", committed: [0: 3], memberCount: 1, state: "Stable"),
                            GroupOffsets(group: "kappa-console", committed: [0: 4], memberCount: 1, state: "Stable"),
                        ], takenAt: base + 60_000 + Int64(i) * 1000)))
        }
        return s
    }
}
