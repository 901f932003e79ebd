import CRdKafka

/// A failed client operation: librdkafka's (negative) or the broker's (positive) error code plus one
/// readable line, so the dashboard can put `description` in a status bar as is.
public struct KafkaClientError: Error, Sendable, CustomStringConvertible {
    /// The `rd_kafka_resp_err_t` value.
    public var code: Int32
    /// What failed, in words; never contains secret property values.
    public var message: String

    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    /// librdkafka's symbolic name for `code`, e.g. "TOPIC_ALREADY_EXISTS" or "_TIMED_OUT".
    public var name: String {
        // librdkafka 2.0 names codes up to 97; the raw client meets newer ones (KIP-664's 105).
        Self.newerNames[self.code] ?? String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue: self.code)))
    }

    /// Kafka error codes newer than librdkafka 2.0.2's table, by Kafka's names.
    static let newerNames: [Int32: String] = [
        98: "UNSTABLE_OFFSET_COMMIT", 99: "THROTTLING_QUOTA_EXCEEDED", 100: "PRODUCER_FENCED",
        101: "RESOURCE_NOT_FOUND", 102: "DUPLICATE_RESOURCE", 103: "UNACCEPTABLE_CREDENTIAL",
        104: "INCONSISTENT_VOTER_SET", 105: "TRANSACTIONAL_ID_NOT_FOUND", 106: "FETCH_SESSION_TOPIC_ID_ERROR",
        107: "INELIGIBLE_REPLICA", 108: "NEW_LEADER_ELECTED", 109: "OFFSET_MOVED_TO_TIERED_STORAGE",
        110: "FENCED_MEMBER_EPOCH", 111: "UNRELEASED_INSTANCE_ID", 112: "UNSUPPORTED_ASSIGNOR",
        113: "STALE_MEMBER_EPOCH", 114: "MISMATCHED_ENDPOINT_TYPE", 115: "UNSUPPORTED_ENDPOINT_TYPE",
        116: "UNKNOWN_CONTROLLER_ID", 117: "UNKNOWN_SUBSCRIPTION_ID", 118: "TELEMETRY_TOO_LARGE",
        119: "INVALID_REGISTRATION", 120: "TRANSACTION_ABORTABLE",
    ]

    /// One line, e.g. "topic 'x' already exists (TOPIC_ALREADY_EXISTS)".
    public var description: String {
        "\(self.message) (\(self.name))"
    }

    /// Broker error codes the dashboard is likely to branch on.
    public static let topicAlreadyExists = RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS.rawValue
    public static let unknownTopicOrPartition = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART.rawValue
    public static let timedOut = RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue
    public static let nonEmptyGroup = RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP.rawValue
    /// The client was closed before or during the call.
    public static let closed = RD_KAFKA_RESP_ERR__DESTROY.rawValue

    init(_ error: rd_kafka_resp_err_t, _ message: String) {
        self.init(code: error.rawValue, message: message)
    }

    /// `what` followed by librdkafka's text for the code, for calls that only return a code.
    init(_ error: rd_kafka_resp_err_t, doing what: String) {
        self.init(code: error.rawValue, message: "\(what): \(String(cString: rd_kafka_err2str(error)))")
    }

    /// Takes over an `rd_kafka_error_t` (destroying it).
    init(consuming error: OpaquePointer, doing what: String) {
        let code = rd_kafka_error_code(error)
        let text = rd_kafka_error_string(error).map { String(cString: $0) } ?? ""
        rd_kafka_error_destroy(error)
        self.init(code: code.rawValue, message: text.isEmpty ? what : "\(what): \(text)")
    }
}
