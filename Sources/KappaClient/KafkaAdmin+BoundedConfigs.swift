import CRdKafka

extension KafkaAdmin {
    /// `topicConfigs` with its own bound: librdkafka sends DescribeConfigs to the controller and waits
    /// for one to be known, which on a cluster reporting none (librdkafka's mock cluster) lasts the
    /// whole request timeout. Callers for whom configs are optional ask with a short `timeoutMs`.
    public func topicConfigs(_ name: String, timeoutMs: Int32) throws -> [(
        name: String, value: String?, isDefault: Bool
    )] {
        try self.withAdminHandle { handle in
            guard let resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name) else {
                throw KafkaClientError(RD_KAFKA_RESP_ERR__INVALID_ARG, "cannot describe topic '\(name)'")
            }
            defer { rd_kafka_ConfigResource_destroy(resource) }
            var resources: [OpaquePointer?] = [resource]
            return try AdminRequest.run(
                handle, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeoutMs: min(timeoutMs, self.requestTimeoutMs),
                what: "cannot describe topic '\(name)'",
                start: { rd_kafka_DescribeConfigs(handle, &resources, 1, $0, $1) },
                result: { event in
                    var count = 0
                    let results = rd_kafka_DescribeConfigs_result_resources(
                        rd_kafka_event_DescribeConfigs_result(event), &count)
                    var entries: [(name: String, value: String?, isDefault: Bool)] = []
                    for result in AdminRequest.elements(results, count) {
                        let error = rd_kafka_ConfigResource_error(result)
                        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                            throw KafkaClientError(
                                error,
                                AdminRequest.topicMessage(
                                    error, topic: name, action: "describe",
                                    detail: CString.string(rd_kafka_ConfigResource_error_string(result))))
                        }
                        var configCount = 0
                        let configs = rd_kafka_ConfigResource_configs(result, &configCount)
                        for entry in AdminRequest.elements(configs, configCount) {
                            let sensitive = rd_kafka_ConfigEntry_is_sensitive(entry) != 0
                            entries.append(
                                (
                                    name: CString.string(rd_kafka_ConfigEntry_name(entry)),
                                    value: sensitive
                                        ? nil : rd_kafka_ConfigEntry_value(entry).map { String(cString: $0) },
                                    isDefault: rd_kafka_ConfigEntry_is_default(entry) != 0
                                ))
                        }
                    }
                    return entries.sorted { $0.name < $1.name }
                })
        }
    }
}
