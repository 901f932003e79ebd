import NIOCore

/// One member of a classic consumer group, as the coordinator tracks it between requests.
final class GroupMember {
    let memberId: String
    let groupInstanceId: String?
    let clientId: String
    let clientHost: String
    var sessionTimeoutMs: Int64
    var rebalanceTimeoutMs: Int64
    var protocolType: String
    /// (name, metadata) in the member's order of preference.
    var protocols: [(name: String, metadata: [UInt8])]
    var assignment: [UInt8] = []
    /// Set while the member's JoinGroup is parked waiting for the rebalance to complete.
    var pendingJoin: EventLoopPromise<JoinGroupOutcome>?
    /// Set while the member's SyncGroup is parked waiting for the leader's assignment.
    var pendingSync: EventLoopPromise<SyncGroupOutcome>?
    /// Last sign of life (join, sync, heartbeat, commit), in milliseconds of the monotonic clock.
    var lastSeenMs: Int64

    init(memberId: String, groupInstanceId: String?, clientId: String, clientHost: String, sessionTimeoutMs: Int64,
         rebalanceTimeoutMs: Int64, protocolType: String, protocols: [(name: String, metadata: [UInt8])], nowMs: Int64) {
        self.memberId = memberId
        self.groupInstanceId = groupInstanceId
        self.clientId = clientId
        self.clientHost = clientHost
        self.sessionTimeoutMs = sessionTimeoutMs
        self.rebalanceTimeoutMs = rebalanceTimeoutMs
        self.protocolType = protocolType
        self.protocols = protocols
        self.lastSeenMs = nowMs
    }

    func metadata(for protocolName: String) -> [UInt8] {
        self.protocols.first { $0.name == protocolName }?.metadata ?? []
    }

    func sameProtocols(as other: [(name: String, metadata: [UInt8])]) -> Bool {
        self.protocols.count == other.count
            && zip(self.protocols, other).allSatisfy { $0.name == $1.name && $0.metadata == $1.metadata }
    }

    /// Session expiry does not apply while the coordinator itself holds the member's request.
    var isWaitingOnCoordinator: Bool { self.pendingJoin != nil || self.pendingSync != nil }
}

/// What a JoinGroup is answered with.
public struct JoinGroupOutcome: Sendable {
    public var error: ErrorCode
    public var generationId: Int32 = -1
    public var protocolType: String?
    public var protocolName: String?
    public var leader: String = ""
    public var memberId: String
    /// Filled for the leader only: every member with its metadata for the chosen protocol.
    public var members: [(memberId: String, groupInstanceId: String?, metadata: [UInt8])] = []
}

/// What a SyncGroup is answered with.
public struct SyncGroupOutcome: Sendable {
    public var error: ErrorCode
    public var protocolType: String?
    public var protocolName: String?
    public var assignment: [UInt8] = []
}
