import KappaWire

/// The API versions this broker advertises: a hand-picked table, not the schemas' full ranges, because
/// clients jump to the highest common version and later versions change semantics (topic ids, batched
/// shapes). See protocol.md section 2.1 for why each bound is where it is.
public enum SupportedApis {
    public static let ranges: [ApiKey: ClosedRange<Int16>] = [
        // Produce from 0: librdkafka only compresses when v0 is in range; only magic-2 batches are accepted.
        .produce: 0...9,
        .fetch: 4...12,
        .listOffsets: 1...7,
        .metadata: 0...12,
        .apiVersions: 0...4,
        .createTopics: 2...7,
        .deleteTopics: 1...6,
        .deleteRecords: 0...2,
        .initProducerId: 0...4,
        .offsetForLeaderEpoch: 2...4,
        // Configs: the versions Kafka 3.x serves. DescribeConfigs v0 (isDefault instead of sources)
        // is what kafka-python 2.0 and older admin tools send. IncrementalAlterConfigs is what
        // kafka-configs.sh and Kafka's Admin use; AlterConfigs (whole-set replace) is librdkafka's.
        .describeConfigs: 0...4,
        .alterConfigs: 0...2,
        .incrementalAlterConfigs: 0...1,
        .createPartitions: 0...3,
        // Transactions. AddPartitionsToTxn stops at 3 and EndTxn/AddOffsetsToTxn/TxnOffsetCommit at 3:
        // v4/v5 are KIP-890's (batched, broker-verified, epoch bumped on every EndTxn), which
        // Kafka 3.x clients never send; librdkafka 2.0-2.16 sends AddPartitionsToTxn/AddOffsetsToTxn
        // v0, EndTxn v1, TxnOffsetCommit v3; kafka-python 3 caps them at 3; aiokafka sends v0.
        // InitProducerId stays at 4 (v5 is KIP-890 too).
        .addPartitionsToTxn: 0...3,
        .addOffsetsToTxn: 0...3,
        .endTxn: 0...3,
        .txnOffsetCommit: 0...3,
        // What kafka-transactions.sh abort sends to end a hanging transaction.
        .writeTxnMarkers: 0...1,
        // KIP-664 admin views, the versions Kafka 3.x serves (ListTransactions v1: KIP-994's duration filter).
        .describeTransactions: 0...0,
        .listTransactions: 0...1,
        .describeProducers: 0...0,
        // Classic consumer groups. librdkafka only enables its balanced consumer when the low versions
        // (FindCoordinator 0, OffsetCommit 1-2, JoinGroup 0, ...) are inside these ranges.
        .findCoordinator: 0...3,
        .joinGroup: 0...7,
        .syncGroup: 0...5,
        .heartbeat: 0...4,
        .leaveGroup: 0...4,
        .offsetCommit: 2...8,
        .offsetFetch: 1...7,
        .describeGroups: 0...5,
        .listGroups: 0...4,
        .deleteGroups: 0...2,
        .offsetDelete: 0...0,
        // Always listed, as Kafka does; without --sasl-users a handshake is answered with no mechanisms.
        // Handshake v0 sends the tokens as bare frames (see SaslGate); v1 wraps them in SaslAuthenticate.
        .saslHandshake: 0...1,
        .saslAuthenticate: 0...2,
    ]

    public static func supports(apiKey: Int16, version: Int16) -> Bool {
        guard let api = ApiKey(rawValue: apiKey), let range = Self.ranges[api] else { return false }
        return range.contains(version)
    }
}
