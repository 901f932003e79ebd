import NIOCore

/// One classic consumer group's membership and rebalance state. Not thread-safe: the
/// `GroupCoordinator` touches it only under its lock, and every promise completion it decides on
/// is returned as an effect to run after the lock is released (a completion may re-enter).
final class ConsumerGroup {
    typealias Effect = () -> Void

    let groupId: String
    private(set) var state: GroupState = .empty
    private(set) var generationId: Int32 = 0
    private(set) var protocolType: String?
    private(set) var protocolName: String?
    private(set) var leaderId: String?
    private(set) var members: [String: GroupMember] = [:]
    /// Join order, so the leader choice and member lists are stable.
    private var memberOrder: [String] = []
    /// Ids handed out with MEMBER_ID_REQUIRED and not yet used, with their expiry.
    private var pendingMemberIds: [String: Int64] = [:]
    private var rebalanceStartedMs: Int64 = 0
    private var joinNotBeforeMs: Int64 = 0
    let initialRebalanceDelayMs: Int64

    init(groupId: String, initialRebalanceDelayMs: Int64) {
        self.groupId = groupId
        self.initialRebalanceDelayMs = initialRebalanceDelayMs
    }

    var orderedMembers: [GroupMember] { self.memberOrder.compactMap { self.members[$0] } }

    // MARK: Join

    func issuePendingMemberId(_ memberId: String, sessionTimeoutMs: Int64, now: Int64) {
        self.pendingMemberIds[memberId] = now + sessionTimeoutMs
    }

    func takePendingMemberId(_ memberId: String) -> Bool {
        self.pendingMemberIds.removeValue(forKey: memberId) != nil
    }

    /// Whether a joining member's protocols fit the group's.
    func acceptsProtocols(type: String, names: [String]) -> Bool {
        guard !self.members.isEmpty else { return !names.isEmpty }
        guard type == self.protocolType || self.protocolType == nil else { return false }
        let common = self.commonProtocols()
        return names.contains { common.contains($0) }
    }

    func addMember(_ member: GroupMember, join promise: EventLoopPromise<JoinGroupOutcome>, now: Int64) -> [Effect] {
        member.pendingJoin = promise
        self.members[member.memberId] = member
        self.memberOrder.append(member.memberId)
        if self.protocolType == nil { self.protocolType = member.protocolType }
        if self.state == .preparingRebalance {
            return self.tryCompleteJoin(now: now)
        }
        return self.prepareRebalance(now: now)
    }

    /// A known member joins again.
    func rejoin(_ member: GroupMember, protocols: [(name: String, metadata: [UInt8])],
                join promise: EventLoopPromise<JoinGroupOutcome>, now: Int64) -> [Effect] {
        member.lastSeenMs = now
        var effects: [Effect] = []
        switch self.state {
        case .preparingRebalance:
            member.protocols = protocols
            if let previous = member.pendingJoin {
                let outcome = JoinGroupOutcome(error: .rebalanceInProgress, memberId: member.memberId)
                effects.append { previous.succeed(outcome) }
            }
            member.pendingJoin = promise
            return effects + self.tryCompleteJoin(now: now)
        case .completingRebalance, .stable:
            let unchanged = member.sameProtocols(as: protocols)
            let isLeader = member.memberId == self.leaderId
            if unchanged && (self.state == .completingRebalance || !isLeader) {
                // Nothing changed: answer with the current generation (a lost join response, retried).
                let outcome = self.joinOutcome(for: member)
                return [{ promise.succeed(outcome) }]
            }
            member.protocols = protocols
            member.pendingJoin = promise
            return self.prepareRebalance(now: now)
        case .empty, .dead:
            let outcome = JoinGroupOutcome(error: .unknownMemberId, memberId: member.memberId)
            return [{ promise.succeed(outcome) }]
        }
    }

    private func prepareRebalance(now: Int64) -> [Effect] {
        var effects: [Effect] = []
        if self.state == .completingRebalance {
            for member in self.members.values {
                if let sync = member.pendingSync {
                    member.pendingSync = nil
                    let outcome = SyncGroupOutcome(error: .rebalanceInProgress)
                    effects.append { sync.succeed(outcome) }
                }
            }
        }
        let wasEmpty = self.state == .empty
        self.state = .preparingRebalance
        self.rebalanceStartedMs = now
        // The first members of an empty group wait a moment for the others, so a group that starts
        // together rebalances once, not once per member.
        self.joinNotBeforeMs = wasEmpty ? now + self.initialRebalanceDelayMs : now
        return effects + self.tryCompleteJoin(now: now)
    }

    /// Completes the join phase once every member has re-joined (after the initial delay), or when
    /// the rebalance timeout has passed, dropping the members that did not come back.
    func tryCompleteJoin(now: Int64) -> [Effect] {
        guard self.state == .preparingRebalance else { return [] }
        let allJoined = self.members.values.allSatisfy { $0.pendingJoin != nil }
        let rebalanceTimeout = self.members.values.map(\.rebalanceTimeoutMs).max() ?? 0
        let timedOut = now >= self.rebalanceStartedMs + rebalanceTimeout
        guard (allJoined && now >= self.joinNotBeforeMs) || timedOut else { return [] }
        return self.completeJoin(now: now)
    }

    private func completeJoin(now: Int64) -> [Effect] {
        for member in self.members.values where member.pendingJoin == nil {
            self.remove(member.memberId)
        }
        self.generationId &+= 1
        guard !self.members.isEmpty else {
            self.becomeEmpty()
            return []
        }
        self.protocolName = self.selectProtocol()
        if self.leaderId.flatMap({ self.members[$0] }) == nil {
            self.leaderId = self.memberOrder.first
        }
        self.state = .completingRebalance
        var effects: [Effect] = []
        for member in self.orderedMembers {
            guard let join = member.pendingJoin else { continue }
            member.pendingJoin = nil
            member.lastSeenMs = now
            let outcome = self.joinOutcome(for: member)
            effects.append { join.succeed(outcome) }
        }
        return effects
    }

    private func joinOutcome(for member: GroupMember) -> JoinGroupOutcome {
        var outcome = JoinGroupOutcome(
            error: .none, generationId: self.generationId, protocolType: self.protocolType,
            protocolName: self.protocolName, leader: self.leaderId ?? "", memberId: member.memberId)
        if member.memberId == self.leaderId, let name = self.protocolName {
            outcome.members = self.orderedMembers.map { ($0.memberId, $0.groupInstanceId, $0.metadata(for: name)) }
        }
        return outcome
    }

    private func commonProtocols() -> Set<String> {
        var common: Set<String>?
        for member in self.members.values {
            let names = Set(member.protocols.map(\.name))
            common = common.map { $0.intersection(names) } ?? names
        }
        return common ?? []
    }

    /// Every member votes for its most preferred protocol that all members support (Kafka's rule).
    private func selectProtocol() -> String? {
        let common = self.commonProtocols()
        var votes: [String: Int] = [:]
        for member in self.orderedMembers {
            if let choice = member.protocols.first(where: { common.contains($0.name) }) {
                votes[choice.name, default: 0] += 1
            }
        }
        let order = self.orderedMembers.first?.protocols.map(\.name) ?? []
        return order.filter { votes[$0] != nil }.max { (votes[$0] ?? 0) < (votes[$1] ?? 0) }
    }

    // MARK: Sync

    func sync(member: GroupMember, assignments: [(memberId: String, assignment: [UInt8])],
              promise: EventLoopPromise<SyncGroupOutcome>, now: Int64) -> [Effect] {
        member.lastSeenMs = now
        switch self.state {
        case .preparingRebalance:
            return [{ promise.succeed(SyncGroupOutcome(error: .rebalanceInProgress)) }]
        case .empty, .dead:
            return [{ promise.succeed(SyncGroupOutcome(error: .unknownMemberId)) }]
        case .stable:
            let outcome = self.syncOutcome(for: member)
            return [{ promise.succeed(outcome) }]
        case .completingRebalance:
            var effects: [Effect] = []
            if let previous = member.pendingSync {
                effects.append { previous.succeed(SyncGroupOutcome(error: .rebalanceInProgress)) }
            }
            member.pendingSync = promise
            guard member.memberId == self.leaderId else { return effects }
            let byMember = Dictionary(assignments.map { ($0.memberId, $0.assignment) }, uniquingKeysWith: { _, last in last })
            for other in self.members.values {
                other.assignment = byMember[other.memberId] ?? []
            }
            self.state = .stable
            for other in self.orderedMembers {
                guard let sync = other.pendingSync else { continue }
                other.pendingSync = nil
                let outcome = self.syncOutcome(for: other)
                effects.append { sync.succeed(outcome) }
            }
            return effects
        }
    }

    private func syncOutcome(for member: GroupMember) -> SyncGroupOutcome {
        SyncGroupOutcome(error: .none, protocolType: self.protocolType, protocolName: self.protocolName,
                         assignment: member.assignment)
    }

    // MARK: Heartbeat, leave, expiry

    func heartbeat(member: GroupMember, now: Int64) -> ErrorCode {
        member.lastSeenMs = now
        switch self.state {
        case .preparingRebalance: return .rebalanceInProgress
        case .completingRebalance, .stable: return .none
        case .empty, .dead: return .unknownMemberId
        }
    }

    /// Removes members (LeaveGroup, session expiry) and rebalances the rest.
    func removeMembers(_ memberIds: [String], now: Int64) -> [Effect] {
        var effects: [Effect] = []
        var removedAny = false
        for memberId in memberIds {
            if self.pendingMemberIds.removeValue(forKey: memberId) != nil { continue }
            guard let member = self.members[memberId] else { continue }
            if let join = member.pendingJoin {
                effects.append { join.succeed(JoinGroupOutcome(error: .unknownMemberId, memberId: memberId)) }
            }
            if let sync = member.pendingSync {
                effects.append { sync.succeed(SyncGroupOutcome(error: .unknownMemberId)) }
            }
            self.remove(memberId)
            removedAny = true
        }
        guard removedAny else { return effects }
        if self.members.isEmpty {
            if self.state != .empty { self.generationId &+= 1 }
            self.becomeEmpty()
            return effects
        }
        if self.state == .preparingRebalance {
            return effects + self.tryCompleteJoin(now: now)
        }
        return effects + self.prepareRebalance(now: now)
    }

    /// Members whose session ran out, and pending ids never used.
    func expiredMembers(now: Int64) -> [String] {
        self.pendingMemberIds = self.pendingMemberIds.filter { $0.value > now }
        return self.orderedMembers.filter { !$0.isWaitingOnCoordinator && now - $0.lastSeenMs > $0.sessionTimeoutMs }
            .map(\.memberId)
    }

    func markDead() -> [Effect] {
        let effects = self.removeMembers(Array(self.members.keys), now: 0)
        self.state = .dead
        return effects
    }

    private func remove(_ memberId: String) {
        self.members.removeValue(forKey: memberId)
        self.memberOrder.removeAll { $0 == memberId }
        if self.leaderId == memberId { self.leaderId = nil }
    }

    private func becomeEmpty() {
        self.state = .empty
        self.leaderId = nil
        self.protocolName = nil
        self.protocolType = nil
    }
}
