import CRdKafka

/// The plumbing every admin call shares: options with timeouts, a private result queue, the bounded
/// wait for the result event and its request-level error, plus readable lines for per-item errors.
enum AdminRequest {
    /// Runs `start` (which issues the call on `queue`) and hands the result event to `result`.
    /// `operationTimeout` applies to CreateTopics, DeleteTopics and CreatePartitions only.
    static func run<T>(
        _ handle: OpaquePointer, _ operation: rd_kafka_admin_op_t, timeoutMs: Int32, operationTimeout: Bool = false,
        what: String, start: (_ options: OpaquePointer, _ queue: OpaquePointer) -> Void,
        result: (_ event: OpaquePointer) throws -> T
    ) throws -> T {
        guard let options = rd_kafka_AdminOptions_new(handle, operation),
            let queue = rd_kafka_queue_new(handle)
        else {
            throw KafkaClientError(RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE, "\(what): cannot allocate the request")
        }
        defer {
            rd_kafka_AdminOptions_destroy(options)
            rd_kafka_queue_destroy(queue)
        }
        let (requestError, requestText) = CString.withErrorBuffer {
            rd_kafka_AdminOptions_set_request_timeout(options, timeoutMs, $0, $1)
        }
        guard requestError == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaClientError(requestError, "\(what): \(requestText)")
        }
        if operationTimeout {
            let (error, text) = CString.withErrorBuffer {
                rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMs, $0, $1)
            }
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaClientError(error, "\(what): \(text)") }
        }
        start(options, queue)
        // librdkafka enforces the request timeout itself; the margin only guards against a lost event.
        guard let event = rd_kafka_queue_poll(queue, timeoutMs &+ 5_000) else {
            throw KafkaClientError(RD_KAFKA_RESP_ERR__TIMED_OUT, "\(what): no answer within \(timeoutMs) ms")
        }
        defer { rd_kafka_event_destroy(event) }
        let error = rd_kafka_event_error(event)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            let text = CString.string(rd_kafka_event_error_string(event))
            throw KafkaClientError(error, "\(what): \(text.isEmpty ? String(cString: rd_kafka_err2str(error)) : text)")
        }
        return try result(event)
    }

    /// The elements of a C array of result pointers, skipping nulls.
    static func elements(_ array: UnsafePointer<OpaquePointer?>?, _ count: Int) -> [OpaquePointer] {
        guard let array else { return [] }
        return (0..<count).compactMap { array[$0] }
    }

    /// Throws the first failed `rd_kafka_topic_result_t` as one line naming the topic.
    static func checkTopicResults(_ results: [OpaquePointer], action: String) throws {
        for result in results {
            let error = rd_kafka_topic_result_error(result)
            guard error != RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            let topic = CString.string(rd_kafka_topic_result_name(result))
            let detail = CString.string(rd_kafka_topic_result_error_string(result))
            throw KafkaClientError(error, Self.topicMessage(error, topic: topic, action: action, detail: detail))
        }
    }

    static func topicMessage(_ error: rd_kafka_resp_err_t, topic: String, action: String, detail: String) -> String {
        switch error {
        case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
            return "topic '\(topic)' already exists"
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
            return "topic '\(topic)' does not exist"
        default:
            let text = detail.isEmpty ? String(cString: rd_kafka_err2str(error)) : detail
            return "cannot \(action) topic '\(topic)': \(text)"
        }
    }

    /// The error of a group result or group description, which the result owns (not destroyed here).
    static func groupError(_ error: OpaquePointer?, group: String, action: String) -> KafkaClientError? {
        guard let error else { return nil }
        let code = rd_kafka_error_code(error)
        guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        let message: String
        switch code {
        case RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP:
            message = "group '\(group)' still has members"
        case RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND:
            message = "group '\(group)' does not exist"
        default:
            let text = CString.string(rd_kafka_error_string(error))
            message = "cannot \(action) group '\(group)': \(text.isEmpty ? String(cString: rd_kafka_err2str(code)) : text)"
        }
        return KafkaClientError(code, message)
    }
}
