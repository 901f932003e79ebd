import CRdKafka

/// Consumer groups: listing, describing, their committed offsets, resetting them and deleting groups.
extension KafkaAdmin {
    /// Consumer groups by id. ListConsumerGroups only reports groups of protocol type "consumer" or
    /// none ("", assign-only groups that just commit offsets), so those are the two types seen here.
    public func listGroups() throws -> [GroupListing] {
        try self.withAdminHandle { handle in
            try AdminRequest.run(
                handle, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, timeoutMs: self.requestTimeoutMs,
                what: "cannot list consumer groups",
                start: { rd_kafka_ListConsumerGroups(handle, $0, $1) },
                result: { event in
                    let result = rd_kafka_event_ListConsumerGroups_result(event)
                    var validCount = 0
                    let valid = AdminRequest.elements(rd_kafka_ListConsumerGroups_result_valid(result, &validCount), validCount)
                    var errorCount = 0
                    let errors = AdminRequest.elements(rd_kafka_ListConsumerGroups_result_errors(result, &errorCount), errorCount)
                    for error in errors {
                        self.logger.warning(
                            "listing consumer groups: \(CString.string(rd_kafka_error_string(error)))")
                    }
                    if valid.isEmpty, let first = errors.first {
                        throw KafkaClientError(rd_kafka_error_code(first), "cannot list consumer groups: \(CString.string(rd_kafka_error_string(first)))")
                    }
                    return valid.map { listing in
                        GroupListing(
                            groupId: CString.string(rd_kafka_ConsumerGroupListing_group_id(listing)),
                            state: CString.string(rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(listing))),
                            protocolType: rd_kafka_ConsumerGroupListing_is_simple_consumer_group(listing) != 0 ? "" : "consumer")
                    }.sorted { $0.groupId < $1.groupId }
                })
        }
    }

    /// The groups in the order asked; an unknown group is reported by the broker as state "Dead".
    public func describeGroups(_ ids: [String]) throws -> [GroupInfo] {
        guard !ids.isEmpty else { return [] }
        return try self.withAdminHandle { handle in
            try CString.withArray(ids) { names in
                try AdminRequest.run(
                    handle, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, timeoutMs: self.requestTimeoutMs,
                    what: "cannot describe consumer groups",
                    start: { rd_kafka_DescribeConsumerGroups(handle, names, ids.count, $0, $1) },
                    result: { event in
                        var count = 0
                        let groups = rd_kafka_DescribeConsumerGroups_result_groups(
                            rd_kafka_event_DescribeConsumerGroups_result(event), &count)
                        return try AdminRequest.elements(groups, count).map(Self.groupInfo)
                    })
            }
        }
    }

    /// Every committed offset of the group (partitions without one are left out).
    public func committedOffsets(group: String) throws -> [TopicPartition: Int64] {
        try self.withAdminHandle { try self.listCommittedOffsets(handle: $0, group: group, partitions: nil) }
    }

    /// ListConsumerGroupOffsets for `partitions` (a partition list, or nil for all of the group's).
    func listCommittedOffsets(handle: OpaquePointer, group: String, partitions: PartitionList.Pointer?) throws
        -> [TopicPartition: Int64]
    {
        guard let request = rd_kafka_ListConsumerGroupOffsets_new(group, partitions) else {
            throw KafkaClientError(RD_KAFKA_RESP_ERR__INVALID_ARG, "cannot read the offsets of group '\(group)'")
        }
        defer { rd_kafka_ListConsumerGroupOffsets_destroy(request) }
        var requests: [OpaquePointer?] = [request]
        return try AdminRequest.run(
            handle, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, timeoutMs: self.requestTimeoutMs,
            what: "cannot read the offsets of group '\(group)'",
            start: { rd_kafka_ListConsumerGroupOffsets(handle, &requests, 1, $0, $1) },
            result: { event in
                var count = 0
                let results = rd_kafka_ListConsumerGroupOffsets_result_groups(
                    rd_kafka_event_ListConsumerGroupOffsets_result(event), &count)
                var offsets: [TopicPartition: Int64] = [:]
                for result in AdminRequest.elements(results, count) {
                    if let error = AdminRequest.groupError(
                        rd_kafka_group_result_error(result), group: group, action: "read the offsets of")
                    {
                        throw error
                    }
                    for entry in PartitionList.entries(rd_kafka_group_result_partitions(result))
                    where entry.error == RD_KAFKA_RESP_ERR_NO_ERROR && entry.offset >= 0 {
                        offsets[entry.partition] = entry.offset
                    }
                }
                return offsets
            })
    }

    /// Commits `offsets` for the group, which must have no active members (the broker refuses otherwise).
    /// -2 (earliest) and -1 (latest) are resolved to the partition's watermarks first, because the
    /// broker stores committed offsets literally.
    public func alterCommittedOffsets(group: String, _ offsets: [TopicPartition: Int64]) throws {
        guard !offsets.isEmpty else { return }
        var resolved: [(TopicPartition, Int64)] = []
        for (tp, offset) in offsets.sorted(by: { $0.key < $1.key }) {
            switch offset {
            case RdKafkaOffset.beginning: resolved.append((tp, try self.watermarks(tp).low))
            case RdKafkaOffset.end: resolved.append((tp, try self.watermarks(tp).high))
            default: resolved.append((tp, offset))
            }
        }
        try self.withAdminHandle { handle in
            let list = PartitionList.make(resolved)
            defer { rd_kafka_topic_partition_list_destroy(list) }
            guard let request = rd_kafka_AlterConsumerGroupOffsets_new(group, list) else {
                throw KafkaClientError(RD_KAFKA_RESP_ERR__INVALID_ARG, "cannot commit offsets for group '\(group)'")
            }
            defer { rd_kafka_AlterConsumerGroupOffsets_destroy(request) }
            var requests: [OpaquePointer?] = [request]
            try AdminRequest.run(
                handle, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, timeoutMs: self.requestTimeoutMs,
                what: "cannot commit offsets for group '\(group)'",
                start: { rd_kafka_AlterConsumerGroupOffsets(handle, &requests, 1, $0, $1) },
                result: { event in
                    var count = 0
                    let results = rd_kafka_AlterConsumerGroupOffsets_result_groups(
                        rd_kafka_event_AlterConsumerGroupOffsets_result(event), &count)
                    for result in AdminRequest.elements(results, count) {
                        if let error = AdminRequest.groupError(
                            rd_kafka_group_result_error(result), group: group, action: "commit offsets for")
                        {
                            throw error
                        }
                        for entry in PartitionList.entries(rd_kafka_group_result_partitions(result))
                        where entry.error != RD_KAFKA_RESP_ERR_NO_ERROR {
                            throw KafkaClientError(entry.error, Self.commitMessage(entry.error, group: group, entry.partition))
                        }
                    }
                })
        }
        self.logger.info("committed \(resolved.count) offset(s) for group '\(group)'")
    }

    /// Deletes a group without members, with its committed offsets.
    public func deleteGroup(_ id: String) throws {
        try self.withAdminHandle { handle in
            guard let deletion = rd_kafka_DeleteGroup_new(id) else {
                throw KafkaClientError(RD_KAFKA_RESP_ERR__INVALID_ARG, "cannot delete group '\(id)'")
            }
            defer { rd_kafka_DeleteGroup_destroy(deletion) }
            var requests: [OpaquePointer?] = [deletion]
            try AdminRequest.run(
                handle, RD_KAFKA_ADMIN_OP_DELETEGROUPS, timeoutMs: self.requestTimeoutMs,
                what: "cannot delete group '\(id)'",
                start: { rd_kafka_DeleteGroups(handle, &requests, 1, $0, $1) },
                result: { event in
                    var count = 0
                    let results = rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(event), &count)
                    for result in AdminRequest.elements(results, count) {
                        if let error = AdminRequest.groupError(rd_kafka_group_result_error(result), group: id, action: "delete") {
                            throw error
                        }
                    }
                })
        }
        self.logger.info("deleted group '\(id)'")
    }

    private static func groupInfo(_ description: OpaquePointer) throws -> GroupInfo {
        let id = CString.string(rd_kafka_ConsumerGroupDescription_group_id(description))
        if let error = AdminRequest.groupError(
            rd_kafka_ConsumerGroupDescription_error(description), group: id, action: "describe")
        {
            throw error
        }
        let members = (0..<rd_kafka_ConsumerGroupDescription_member_count(description)).compactMap { index -> GroupMemberInfo? in
            guard let member = rd_kafka_ConsumerGroupDescription_member(description, index) else { return nil }
            let assignment = rd_kafka_MemberDescription_assignment(member).map {
                PartitionList.partitions(rd_kafka_MemberAssignment_partitions($0))
            }
            return GroupMemberInfo(
                memberId: CString.string(rd_kafka_MemberDescription_consumer_id(member)),
                clientId: CString.string(rd_kafka_MemberDescription_client_id(member)),
                host: CString.string(rd_kafka_MemberDescription_host(member)),
                assignment: (assignment ?? []).sorted())
        }
        return GroupInfo(
            groupId: id,
            state: CString.string(rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(description))),
            protocolName: CString.string(rd_kafka_ConsumerGroupDescription_partition_assignor(description)),
            members: members.sorted { $0.memberId < $1.memberId })
    }

    private static func commitMessage(_ error: rd_kafka_resp_err_t, group: String, _ tp: TopicPartition) -> String {
        switch error {
        case RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID, RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS,
            RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION:
            return "cannot commit offsets for group '\(group)' while it has active members (\(tp))"
        default:
            return "cannot commit the offset of \(tp) for group '\(group)': \(String(cString: rd_kafka_err2str(error)))"
        }
    }
}
