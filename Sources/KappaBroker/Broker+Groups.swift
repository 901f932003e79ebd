import KappaWire
import NIOCore

extension Broker {
    /// One node coordinates every group (and would every transaction).
    func findCoordinator(_ request: FindCoordinatorRequest, version: Int16) -> BrokerReply {
        let node = self.config.nodeId
        let host = self.config.advertisedHost
        let port = self.config.advertisedPort
        if version >= 4 {
            let coordinators = request.coordinatorKeys.map {
                FindCoordinatorResponse.Coordinator(key: $0, nodeId: node, host: host, port: port, errorCode: 0)
            }
            return self.reply(FindCoordinatorResponse(coordinators: coordinators), version: version)
        }
        return self.reply(FindCoordinatorResponse(errorCode: 0, nodeId: node, host: host, port: port), version: version)
    }

    func joinGroup(_ request: JoinGroupRequest, version: Int16, connection: ClientConnection, eventLoop: any EventLoop)
        -> EventLoopFuture<BrokerReply>
    {
        let join = GroupCoordinator.JoinRequest(
            groupId: request.groupId, memberId: request.memberId, groupInstanceId: request.groupInstanceId,
            clientId: connection.clientId ?? "", clientHost: "/" + connection.host,
            sessionTimeoutMs: request.sessionTimeoutMs,
            rebalanceTimeoutMs: version >= 1 ? request.rebalanceTimeoutMs : request.sessionTimeoutMs,
            protocolType: request.protocolType, protocols: request.protocols.map { ($0.name, $0.metadata) },
            requireKnownMemberId: version >= 4 && request.groupInstanceId == nil)
        return self.groups.join(join, eventLoop: eventLoop).map { outcome in
            let response = JoinGroupResponse(
                throttleTimeMs: 0, errorCode: outcome.error.rawValue, generationId: outcome.generationId,
                protocolType: outcome.protocolType, protocolName: outcome.protocolName ?? (version >= 7 ? nil : ""),
                leader: outcome.leader, skipAssignment: false, memberId: outcome.memberId,
                members: outcome.members.map { .init(memberId: $0.memberId, groupInstanceId: $0.groupInstanceId, metadata: $0.metadata) })
            return self.reply(response, version: version)
        }
    }

    func syncGroup(_ request: SyncGroupRequest, version: Int16, eventLoop: any EventLoop) -> EventLoopFuture<BrokerReply> {
        self.groups.sync(
            groupId: request.groupId, generationId: request.generationId, memberId: request.memberId,
            protocolType: version >= 5 ? request.protocolType : nil, protocolName: version >= 5 ? request.protocolName : nil,
            assignments: request.assignments.map { ($0.memberId, $0.assignment) }, eventLoop: eventLoop
        ).map { outcome in
            self.reply(SyncGroupResponse(throttleTimeMs: 0, errorCode: outcome.error.rawValue, protocolType: outcome.protocolType,
                                         protocolName: outcome.protocolName, assignment: outcome.assignment), version: version)
        }
    }

    func heartbeat(_ request: HeartbeatRequest, version: Int16) -> BrokerReply {
        let code = self.groups.heartbeat(groupId: request.groupId, generationId: request.generationId, memberId: request.memberId)
        return self.reply(HeartbeatResponse(throttleTimeMs: 0, errorCode: code.rawValue), version: version)
    }

    func leaveGroup(_ request: LeaveGroupRequest, version: Int16) -> BrokerReply {
        if version >= 3 {
            let (code, codes) = self.groups.leave(groupId: request.groupId, memberIds: request.members.map(\.memberId))
            let members = zip(request.members, codes).map {
                LeaveGroupResponse.MemberResponse(memberId: $0.memberId, groupInstanceId: $0.groupInstanceId, errorCode: $1.rawValue)
            }
            // The top-level error is for the request as a whole; per-member errors carry the rest.
            let top: ErrorCode = code == .unknownMemberId && members.isEmpty ? .unknownMemberId : .none
            return self.reply(LeaveGroupResponse(throttleTimeMs: 0, errorCode: top.rawValue, members: members), version: version)
        }
        let (code, _) = self.groups.leave(groupId: request.groupId, memberIds: [request.memberId])
        return self.reply(LeaveGroupResponse(throttleTimeMs: 0, errorCode: code.rawValue), version: version)
    }

    func offsetCommit(_ request: OffsetCommitRequest, version: Int16) -> BrokerReply {
        let verdict = self.groups.validateCommit(
            groupId: request.groupId, generationId: request.generationIdOrMemberEpoch, memberId: request.memberId)
        let now = Self.nowMs()
        var commits: [(OffsetStore.Key, OffsetStore.Committed)] = []
        var topics = request.topics.map { topic in
            OffsetCommitResponse.OffsetCommitResponseTopic(name: topic.name, partitions: topic.partitions.map { p in
                var code = verdict
                if code == .none {
                    if self.topics.partition(topic.name, p.partitionIndex) == nil {
                        code = .unknownTopicOrPartition
                    } else {
                        commits.append((OffsetStore.Key(topic: topic.name, partition: p.partitionIndex),
                                        OffsetStore.Committed(offset: p.committedOffset,
                                                              leaderEpoch: version >= 6 ? p.committedLeaderEpoch : -1,
                                                              metadata: p.committedMetadata, commitTimestamp: now)))
                    }
                }
                return .init(partitionIndex: p.partitionIndex, errorCode: code.rawValue)
            })
        }
        if !commits.isEmpty {
            do {
                try self.groups.offsets.commit(group: request.groupId, commits)
            } catch {
                self.logger.error("committing offsets of group '\(request.groupId)': \(error)")
                for t in topics.indices {
                    for p in topics[t].partitions.indices where topics[t].partitions[p].errorCode == 0 {
                        topics[t].partitions[p].errorCode = ErrorCode.kafkaStorageError.rawValue
                    }
                }
            }
        }
        return self.reply(OffsetCommitResponse(throttleTimeMs: 0, topics: topics), version: version)
    }

    func offsetFetch(_ request: OffsetFetchRequest, version: Int16) -> BrokerReply {
        let committed = self.groups.offsets.offsets(group: request.groupId)
        // require_stable (v7): an offset an open transaction is about to change is not answered yet.
        let requireStable = version >= 7 && request.requireStable
        let topics: [OffsetFetchResponse.OffsetFetchResponseTopic]
        if let requested = request.topics {
            topics = requested.map { topic in
                .init(name: topic.name, partitions: topic.partitionIndexes.map { index in
                    let key = OffsetStore.Key(topic: topic.name, partition: index)
                    if requireStable, self.groups.offsets.hasPending(group: request.groupId, key: key) {
                        return .init(partitionIndex: index, committedOffset: -1, committedLeaderEpoch: -1, metadata: "",
                                     errorCode: ErrorCode.unstableOffsetCommit.rawValue)
                    }
                    let entry = committed[key]
                    return .init(partitionIndex: index, committedOffset: entry?.offset ?? -1,
                                 committedLeaderEpoch: entry?.leaderEpoch ?? -1, metadata: entry?.metadata ?? "", errorCode: 0)
                })
            }
        } else {
            // Null topics (v2+): every partition the group has committed.
            let byTopic = Dictionary(grouping: committed.keys.sorted(), by: \.topic)
            topics = byTopic.keys.sorted().map { name in
                .init(name: name, partitions: (byTopic[name] ?? []).map { key in
                    let entry = committed[key]
                    return .init(partitionIndex: key.partition, committedOffset: entry?.offset ?? -1,
                                 committedLeaderEpoch: entry?.leaderEpoch ?? -1, metadata: entry?.metadata ?? "", errorCode: 0)
                })
            }
        }
        return self.reply(OffsetFetchResponse(throttleTimeMs: 0, topics: topics, errorCode: 0), version: version)
    }

    func describeGroups(_ request: DescribeGroupsRequest, version: Int16) -> BrokerReply {
        let groups = request.groups.map { groupId in
            let description = self.groups.describe(groupId: groupId)
            return DescribeGroupsResponse.DescribedGroup(
                errorCode: 0, groupId: groupId, groupState: description.state.rawValue,
                protocolType: description.protocolType, protocolData: description.protocolName,
                members: description.members.map {
                    .init(memberId: $0.memberId, groupInstanceId: $0.groupInstanceId, clientId: $0.clientId,
                          clientHost: $0.clientHost, memberMetadata: $0.metadata, memberAssignment: $0.assignment)
                },
                authorizedOperations: Self.authorizedOperationsUnknown)
        }
        return self.reply(DescribeGroupsResponse(throttleTimeMs: 0, groups: groups), version: version)
    }

    func listGroups(_ request: ListGroupsRequest, version: Int16) -> BrokerReply {
        let filter = Set(request.statesFilter.map { $0.lowercased() })
        let groups = self.groups.list().filter { filter.isEmpty || filter.contains($0.state.rawValue.lowercased()) }.map {
            ListGroupsResponse.ListedGroup(groupId: $0.groupId, protocolType: $0.protocolType, groupState: $0.state.rawValue,
                                           groupType: "classic")
        }
        return self.reply(ListGroupsResponse(throttleTimeMs: 0, errorCode: 0, groups: groups), version: version)
    }

    func deleteGroups(_ request: DeleteGroupsRequest, version: Int16) -> BrokerReply {
        let results = request.groupsNames.map {
            DeleteGroupsResponse.DeletableGroupResult(groupId: $0, errorCode: self.groups.delete(groupId: $0).rawValue)
        }
        return self.reply(DeleteGroupsResponse(throttleTimeMs: 0, results: results), version: version)
    }

    func offsetDelete(_ request: OffsetDeleteRequest, version: Int16) -> BrokerReply {
        guard self.groups.groupExists(request.groupId) else {
            return self.reply(OffsetDeleteResponse(errorCode: ErrorCode.groupIdNotFound.rawValue, throttleTimeMs: 0), version: version)
        }
        let subscribed = self.groups.subscribedTopics(groupId: request.groupId)
        var keys: [OffsetStore.Key] = []
        let topics = request.topics.map { topic in
            OffsetDeleteResponse.OffsetDeleteResponseTopic(name: topic.name, partitions: topic.partitions.map { p in
                if subscribed.contains(topic.name) {
                    return .init(partitionIndex: p.partitionIndex, errorCode: ErrorCode.groupSubscribedToTopic.rawValue)
                }
                if self.topics.partition(topic.name, p.partitionIndex) == nil {
                    return .init(partitionIndex: p.partitionIndex, errorCode: ErrorCode.unknownTopicOrPartition.rawValue)
                }
                keys.append(OffsetStore.Key(topic: topic.name, partition: p.partitionIndex))
                return .init(partitionIndex: p.partitionIndex, errorCode: 0)
            })
        }
        do {
            try self.groups.offsets.delete(group: request.groupId, keys: keys)
        } catch {
            return self.reply(OffsetDeleteResponse(errorCode: ErrorCode.kafkaStorageError.rawValue, throttleTimeMs: 0), version: version)
        }
        return self.reply(OffsetDeleteResponse(errorCode: 0, throttleTimeMs: 0, topics: topics), version: version)
    }
}
