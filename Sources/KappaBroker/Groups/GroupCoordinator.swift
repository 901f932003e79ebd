import Foundation
import KappaWire
import Logging
import NIOCore
import Synchronization

/// Kafka's classic group coordinator for one node: membership, rebalances, and committed offsets.
/// All groups share one lock; a group's decisions come back as effects (promise completions) run
/// after the lock is released.
public final class GroupCoordinator: Sendable {
    public struct Configuration: Sendable {
        /// How long the first members of an empty group wait for others (Kafka: 3 s).
        public var initialRebalanceDelayMs: Int64 = 300
        public var minSessionTimeoutMs: Int32 = 6_000
        public var maxSessionTimeoutMs: Int32 = 1_800_000
        public init() {}
    }

    public struct MemberDescription: Sendable {
        public var memberId: String
        public var groupInstanceId: String?
        public var clientId: String
        public var clientHost: String
        public var metadata: [UInt8]
        public var assignment: [UInt8]
    }

    public struct GroupDescription: Sendable {
        public var groupId: String
        public var state: GroupState
        public var protocolType: String
        public var protocolName: String
        public var generationId: Int32
        public var members: [MemberDescription]
    }

    let configuration: Configuration
    let offsets: OffsetStore
    private let groups = Mutex<[String: ConsumerGroup]>([:])
    private let logger: Logger
    private let ticker = Mutex<RepeatedTask?>(nil)

    init(configuration: Configuration, offsets: OffsetStore, logger: Logger) {
        self.configuration = configuration
        self.offsets = offsets
        self.logger = logger
    }

    static func nowMs() -> Int64 {
        Int64(DispatchTime.now().uptimeNanoseconds / 1_000_000)
    }

    /// Session expiry and join completion are checked every 100 ms.
    func start(on eventLoop: any EventLoop) {
        let task = eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { _ in
            self.tick()
        }
        self.ticker.withLock { $0 = task }
    }

    func stop() {
        self.ticker.withLock { $0?.cancel() }
    }

    private func run(_ effects: [ConsumerGroup.Effect]) {
        for effect in effects { effect() }
    }

    func tick(now: Int64 = GroupCoordinator.nowMs()) {
        let effects = self.groups.withLock { groups -> [ConsumerGroup.Effect] in
            var effects: [ConsumerGroup.Effect] = []
            for group in groups.values {
                let before = group.generationId
                let expired = group.expiredMembers(now: now)
                if !expired.isEmpty {
                    self.logger.info("group '\(group.groupId)': session expired for \(expired.joined(separator: ", ")); rebalancing")
                    effects += group.removeMembers(expired, now: now)
                }
                effects += group.tryCompleteJoin(now: now)
                if group.generationId != before { self.logRebalance(group) }
            }
            return effects
        }
        self.run(effects)
    }

    private func logRebalance(_ group: ConsumerGroup) {
        if group.state == .empty {
            self.logger.info("group '\(group.groupId)' is empty (generation \(group.generationId))")
        } else {
            let members = group.orderedMembers.map(\.memberId)
            self.logger.info("group '\(group.groupId)' rebalanced: generation \(group.generationId), protocol \(group.protocolName ?? "-"), \(members.count) member(s), leader \(group.leaderId ?? "-")")
        }
    }

    // MARK: Membership

    public struct JoinRequest: Sendable {
        public var groupId: String
        public var memberId: String
        public var groupInstanceId: String?
        public var clientId: String
        public var clientHost: String
        public var sessionTimeoutMs: Int32
        public var rebalanceTimeoutMs: Int32
        public var protocolType: String
        public var protocols: [(name: String, metadata: [UInt8])]
        /// v4+ clients get MEMBER_ID_REQUIRED first, so a lost response never leaves a ghost member.
        public var requireKnownMemberId: Bool
    }

    func join(_ request: JoinRequest, eventLoop: any EventLoop) -> EventLoopFuture<JoinGroupOutcome> {
        func fail(_ code: ErrorCode) -> EventLoopFuture<JoinGroupOutcome> {
            eventLoop.makeSucceededFuture(JoinGroupOutcome(error: code, memberId: request.memberId))
        }
        guard !request.groupId.isEmpty else { return fail(.invalidGroupId) }
        guard request.sessionTimeoutMs >= self.configuration.minSessionTimeoutMs,
            request.sessionTimeoutMs <= self.configuration.maxSessionTimeoutMs
        else { return fail(.invalidSessionTimeout) }
        let promise = eventLoop.makePromise(of: JoinGroupOutcome.self)
        let now = Self.nowMs()
        let effects = self.groups.withLock { groups -> [ConsumerGroup.Effect] in
            let group = groups[request.groupId] ?? {
                let group = ConsumerGroup(groupId: request.groupId, initialRebalanceDelayMs: self.configuration.initialRebalanceDelayMs)
                groups[request.groupId] = group
                return group
            }()
            guard group.acceptsProtocols(type: request.protocolType, names: request.protocols.map(\.name)) else {
                return [{ promise.succeed(JoinGroupOutcome(error: .inconsistentGroupProtocol, memberId: request.memberId)) }]
            }
            let before = group.generationId
            defer { if group.generationId != before { self.logRebalance(group) } }
            func newMember(_ memberId: String) -> GroupMember {
                GroupMember(memberId: memberId, groupInstanceId: request.groupInstanceId, clientId: request.clientId,
                            clientHost: request.clientHost, sessionTimeoutMs: Int64(request.sessionTimeoutMs),
                            rebalanceTimeoutMs: Int64(request.rebalanceTimeoutMs), protocolType: request.protocolType,
                            protocols: request.protocols, nowMs: now)
            }
            if request.memberId.isEmpty {
                let memberId = "\(request.clientId)-\(UUID().uuidString.lowercased())"
                if request.requireKnownMemberId {
                    group.issuePendingMemberId(memberId, sessionTimeoutMs: Int64(request.sessionTimeoutMs), now: now)
                    return [{ promise.succeed(JoinGroupOutcome(error: .memberIdRequired, memberId: memberId)) }]
                }
                self.logger.info("group '\(request.groupId)': \(memberId) joins from \(request.clientHost)")
                return group.addMember(newMember(memberId), join: promise, now: now)
            }
            if group.takePendingMemberId(request.memberId) {
                self.logger.info("group '\(request.groupId)': \(request.memberId) joins from \(request.clientHost)")
                return group.addMember(newMember(request.memberId), join: promise, now: now)
            }
            guard let member = group.members[request.memberId] else {
                return [{ promise.succeed(JoinGroupOutcome(error: .unknownMemberId, memberId: request.memberId)) }]
            }
            member.sessionTimeoutMs = Int64(request.sessionTimeoutMs)
            member.rebalanceTimeoutMs = Int64(request.rebalanceTimeoutMs)
            return group.rejoin(member, protocols: request.protocols, join: promise, now: now)
        }
        self.run(effects)
        return promise.futureResult
    }

    func sync(groupId: String, generationId: Int32, memberId: String, protocolType: String?, protocolName: String?,
              assignments: [(memberId: String, assignment: [UInt8])], eventLoop: any EventLoop) -> EventLoopFuture<SyncGroupOutcome> {
        let promise = eventLoop.makePromise(of: SyncGroupOutcome.self)
        let effects = self.groups.withLock { groups -> [ConsumerGroup.Effect] in
            guard let group = groups[groupId], let member = group.members[memberId] else {
                return [{ promise.succeed(SyncGroupOutcome(error: .unknownMemberId)) }]
            }
            guard generationId == group.generationId else {
                return [{ promise.succeed(SyncGroupOutcome(error: .illegalGeneration)) }]
            }
            if let protocolType, protocolType != group.protocolType {
                return [{ promise.succeed(SyncGroupOutcome(error: .inconsistentGroupProtocol)) }]
            }
            if let protocolName, group.protocolName != nil, protocolName != group.protocolName {
                return [{ promise.succeed(SyncGroupOutcome(error: .inconsistentGroupProtocol)) }]
            }
            let wasStable = group.state == .stable
            let effects = group.sync(member: member, assignments: assignments, promise: promise, now: Self.nowMs())
            if !wasStable, group.state == .stable {
                self.logger.info("group '\(groupId)' is stable: generation \(group.generationId), assignment from leader \(memberId)")
            }
            return effects
        }
        self.run(effects)
        return promise.futureResult
    }

    func heartbeat(groupId: String, generationId: Int32, memberId: String) -> ErrorCode {
        self.groups.withLock { groups in
            guard let group = groups[groupId] else { return .unknownMemberId }
            if group.state == .dead { return .coordinatorNotAvailable }
            guard let member = group.members[memberId] else { return .unknownMemberId }
            guard generationId == group.generationId else { return .illegalGeneration }
            return group.heartbeat(member: member, now: Self.nowMs())
        }
    }

    /// Removes members; returns an error per member id (UNKNOWN_MEMBER_ID for ones not in the group).
    func leave(groupId: String, memberIds: [String]) -> (ErrorCode, [ErrorCode]) {
        let (result, effects) = self.groups.withLock { groups -> ((ErrorCode, [ErrorCode]), [ConsumerGroup.Effect]) in
            guard let group = groups[groupId] else {
                return ((.unknownMemberId, memberIds.map { _ in .unknownMemberId }), [])
            }
            let codes = memberIds.map { group.members[$0] == nil ? ErrorCode.unknownMemberId : .none }
            let leaving = memberIds.filter { group.members[$0] != nil }
            guard !leaving.isEmpty else { return ((.unknownMemberId, codes), []) }
            self.logger.info("group '\(groupId)': \(leaving.joined(separator: ", ")) left")
            let before = group.generationId
            let effects = group.removeMembers(leaving, now: Self.nowMs())
            if group.generationId != before { self.logRebalance(group) }
            return ((.none, codes), effects)
        }
        self.run(effects)
        return result
    }

    // MARK: Offsets

    /// Kafka's OffsetCommit validation (ClassicGroup.validateOffsetCommit); `.none` means store the offsets.
    func validateCommit(groupId: String, generationId: Int32, memberId: String) -> ErrorCode {
        guard !groupId.isEmpty else { return .invalidGroupId }
        return self.groups.withLock { groups in
            guard let group = groups[groupId] else {
                if generationId < 0 {
                    // A standalone commit (admin tools, assign()-mode consumers) creates an empty group.
                    groups[groupId] = ConsumerGroup(groupId: groupId, initialRebalanceDelayMs: self.configuration.initialRebalanceDelayMs)
                    return .none
                }
                return .unknownMemberId
            }
            if group.state == .dead { return .coordinatorNotAvailable }
            if generationId < 0, group.state == .empty { return .none }
            guard let member = group.members[memberId] else { return .unknownMemberId }
            guard generationId == group.generationId else { return .illegalGeneration }
            if group.state == .completingRebalance { return .rebalanceInProgress }
            member.lastSeenMs = Self.nowMs()
            return .none
        }
    }

    // MARK: Admin

    func describe(groupId: String) -> GroupDescription {
        let hasOffsets = !self.offsets.offsets(group: groupId).isEmpty
        return self.groups.withLock { groups in
            guard let group = groups[groupId] else {
                return GroupDescription(groupId: groupId, state: hasOffsets ? .empty : .dead, protocolType: hasOffsets ? "consumer" : "",
                                        protocolName: "", generationId: -1, members: [])
            }
            let name = group.protocolName ?? ""
            let members = group.orderedMembers.map {
                MemberDescription(memberId: $0.memberId, groupInstanceId: $0.groupInstanceId, clientId: $0.clientId,
                                  clientHost: $0.clientHost, metadata: name.isEmpty ? [] : $0.metadata(for: name),
                                  assignment: group.state == .stable ? $0.assignment : [])
            }
            return GroupDescription(groupId: groupId, state: group.state, protocolType: group.protocolType ?? "consumer",
                                    protocolName: name, generationId: group.generationId, members: members)
        }
    }

    func list() -> [GroupDescription] {
        let ids = Set(self.groups.withLock { Array($0.keys) }).union(self.offsets.groupIds)
        return ids.sorted().map { self.describe(groupId: $0) }.filter { $0.state != .dead }
    }

    func delete(groupId: String) -> ErrorCode {
        let hasOffsets = !self.offsets.offsets(group: groupId).isEmpty
        let code = self.groups.withLock { groups -> ErrorCode in
            guard let group = groups[groupId] else { return hasOffsets ? .none : .groupIdNotFound }
            guard group.members.isEmpty else { return .nonEmptyGroup }
            groups.removeValue(forKey: groupId)
            return .none
        }
        guard code == .none else { return code }
        do {
            try self.offsets.deleteGroup(groupId)
        } catch {
            self.logger.error("deleting offsets of group '\(groupId)': \(error)")
            return .kafkaStorageError
        }
        self.logger.info("deleted group '\(groupId)'")
        return .none
    }

    /// Topics the group's current members subscribe to, from their subscription metadata.
    func subscribedTopics(groupId: String) -> Set<String> {
        self.groups.withLock { groups in
            guard let group = groups[groupId], group.protocolType == "consumer", let name = group.protocolName else { return [] }
            var topics = Set<String>()
            for member in group.members.values {
                var buffer = ByteBuffer(bytes: member.metadata(for: name))
                guard let version = buffer.readInteger(as: Int16.self),
                    let subscription = try? ConsumerProtocolSubscription(
                        from: &buffer, version: min(version, ConsumerProtocolSubscription.validVersions.upperBound))
                else { continue }
                topics.formUnion(subscription.topics)
            }
            return topics
        }
    }

    func groupExists(_ groupId: String) -> Bool {
        self.groups.withLock { $0[groupId] != nil } || !self.offsets.offsets(group: groupId).isEmpty
    }
}
