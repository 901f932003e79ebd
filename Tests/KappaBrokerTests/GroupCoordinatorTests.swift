import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import KappaBroker

/// Drives the coordinator the way clients do (JoinGroup v5 with MEMBER_ID_REQUIRED, SyncGroup,
/// Heartbeat), with time passed explicitly through `tick(now:)`.
@Suite struct GroupCoordinatorTests {
    let loop = EmbeddedEventLoop()
    let coordinator: GroupCoordinator

    init() throws {
        var configuration = GroupCoordinator.Configuration()
        configuration.initialRebalanceDelayMs = 0
        let offsets = try OffsetStore(dataDirectory: nil, syncEveryWrite: false, logger: Logger(label: "test"))
        self.coordinator = GroupCoordinator(configuration: configuration, offsets: offsets, logger: Logger(label: "test"))
    }

    private func request(_ memberId: String, client: String = "c", session: Int32 = 10_000) -> GroupCoordinator.JoinRequest {
        GroupCoordinator.JoinRequest(
            groupId: "g", memberId: memberId, groupInstanceId: nil, clientId: client, clientHost: "/127.0.0.1",
            sessionTimeoutMs: session, rebalanceTimeoutMs: 30_000, protocolType: "consumer",
            protocols: [("range", [1]), ("roundrobin", [2])], requireKnownMemberId: true)
    }

    /// Joins with an empty id, adopts the id from MEMBER_ID_REQUIRED and joins again.
    private func join(client: String) throws -> (String, EventLoopFuture<JoinGroupOutcome>) {
        let first = try self.coordinator.join(self.request("", client: client), eventLoop: self.loop).wait()
        #expect(first.error == .memberIdRequired)
        #expect(first.memberId.hasPrefix(client + "-"))
        return (first.memberId, self.coordinator.join(self.request(first.memberId, client: client), eventLoop: self.loop))
    }

    /// The future's value if it has completed once the loop has run, else nil (still parked).
    private func value<T>(_ future: EventLoopFuture<T>) -> T? {
        let box = ResultBox<T>()
        future.whenSuccess { box.value = $0 }
        self.loop.run()
        return box.value
    }

    @Test func singleMemberBecomesLeaderAndStable() throws {
        let (id, joined) = try self.join(client: "a")
        let outcome = try #require(self.value(joined))
        #expect(outcome.error == .none)
        #expect(outcome.generationId == 1)
        #expect(outcome.leader == id)
        #expect(outcome.protocolName == "range")
        #expect(outcome.members.map(\.memberId) == [id])
        let sync = self.coordinator.sync(groupId: "g", generationId: 1, memberId: id, protocolType: nil, protocolName: nil,
                                         assignments: [(id, [9, 9])], eventLoop: self.loop)
        #expect(self.value(sync)?.assignment == [9, 9])
        #expect(self.coordinator.describe(groupId: "g").state == .stable)
    }

    @Test func twoMemberRebalanceBumpsTheGenerationExactlyOnce() throws {
        let (a, joinedA) = try self.join(client: "a")
        #expect(self.value(joinedA)?.generationId == 1)
        _ = self.value(self.coordinator.sync(groupId: "g", generationId: 1, memberId: a, protocolType: nil, protocolName: nil,
                                             assignments: [(a, [1])], eventLoop: self.loop))
        // b arrives: a learns of the rebalance from its heartbeat and re-joins.
        let (b, joinedB) = try self.join(client: "b")
        #expect(self.value(joinedB) == nil, "b's join must wait for a")
        #expect(self.coordinator.heartbeat(groupId: "g", generationId: 1, memberId: a) == .rebalanceInProgress)
        let rejoinA = self.coordinator.join(self.request(a, client: "a"), eventLoop: self.loop)
        let outA = try #require(self.value(rejoinA))
        let outB = try #require(self.value(joinedB))
        #expect(outA.generationId == 2)
        #expect(outB.generationId == 2)
        #expect(outA.leader == a)
        #expect(outA.members.count == 2)
        #expect(outB.members.isEmpty, "followers do not get the member list")
        // Follower syncs first and waits for the leader's assignment.
        let syncB = self.coordinator.sync(groupId: "g", generationId: 2, memberId: b, protocolType: nil, protocolName: nil,
                                          assignments: [], eventLoop: self.loop)
        #expect(self.value(syncB) == nil)
        let syncA = self.coordinator.sync(groupId: "g", generationId: 2, memberId: a, protocolType: nil, protocolName: nil,
                                          assignments: [(a, [1]), (b, [2])], eventLoop: self.loop)
        #expect(self.value(syncA)?.assignment == [1])
        #expect(self.value(syncB)?.assignment == [2])
        #expect(self.coordinator.describe(groupId: "g").generationId == 2)
        #expect(self.coordinator.heartbeat(groupId: "g", generationId: 2, memberId: b) == .none)
    }

    @Test func leavingMemberTriggersRebalanceAndEmptyGroupAfterLast() throws {
        let (a, joinedA) = try self.join(client: "a")
        _ = self.value(joinedA)
        #expect(self.coordinator.leave(groupId: "g", memberIds: [a]).0 == .none)
        #expect(self.coordinator.describe(groupId: "g").state == .empty)
        #expect(self.coordinator.leave(groupId: "g", memberIds: ["nobody"]).1 == [.unknownMemberId])
    }

    @Test func expiredMemberIsRemovedEvenDuringARebalance() throws {
        let (a, joinedA) = try self.join(client: "a")
        _ = self.value(joinedA)
        let (b, joinedB) = try self.join(client: "b")
        #expect(self.value(joinedB) == nil)
        // a never heartbeats again: after its session timeout it is dropped and b's join completes.
        self.coordinator.tick(now: GroupCoordinator.nowMs() + 11_000)
        let outB = try #require(self.value(joinedB))
        #expect(outB.error == .none)
        #expect(outB.leader == b)
        #expect(outB.members.map(\.memberId) == [b])
        #expect(self.coordinator.heartbeat(groupId: "g", generationId: outB.generationId, memberId: a) == .unknownMemberId)
    }

    @Test func wrongGenerationAndUnknownMember() throws {
        let (a, joinedA) = try self.join(client: "a")
        _ = self.value(joinedA)
        #expect(self.coordinator.heartbeat(groupId: "g", generationId: 7, memberId: a) == .illegalGeneration)
        #expect(self.coordinator.heartbeat(groupId: "g", generationId: 1, memberId: "x") == .unknownMemberId)
        #expect(self.coordinator.validateCommit(groupId: "g", generationId: 7, memberId: a) == .illegalGeneration)
    }

    @Test func standaloneCommitIsAcceptedForAnUnknownGroup() {
        #expect(self.coordinator.validateCommit(groupId: "solo", generationId: -1, memberId: "") == .none)
        #expect(self.coordinator.describe(groupId: "solo").state == .empty)
    }

    @Test func sessionTimeoutOutsideBoundsIsRejected() throws {
        let outcome = try self.coordinator.join(self.request("", session: 1000), eventLoop: self.loop).wait()
        #expect(outcome.error == .invalidSessionTimeout)
    }

    @Test func incompatibleProtocolsAreRejected() throws {
        let (_, joinedA) = try self.join(client: "a")
        _ = self.value(joinedA)
        var other = self.request("", client: "z")
        other.protocols = [("sticky", [0])]
        other.requireKnownMemberId = false
        let outcome = try self.coordinator.join(other, eventLoop: self.loop).wait()
        #expect(outcome.error == .inconsistentGroupProtocol)
    }
}

/// Test-only holder: the embedded loop runs callbacks on the test's own thread.
private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}
