@testable import KappaLog
import KappaWire
import NIOCore
import Testing

/// Flushing in three steps (`beginFlush` under the owner's lock, `sync` without it, `endFlush`),
/// and what `syncedOffset` promises.
@Suite struct PartitionLogFlushTests {
    @Test func whatWasOnDiskAtOpenCountsAsSynced() throws {
        let fixture = try LogFixture(.disk)
        #expect(fixture.log.syncedOffset == 0)
        try fixture.append(records: 3)
        #expect(fixture.log.syncedOffset == 0)
        try fixture.reopen()
        #expect(fixture.log.syncedOffset == 3)
    }

    @Test func aFlushCoversWhatWasAppendedBeforeItBegan() throws {
        let fixture = try LogFixture(.disk)
        try fixture.append(records: 2)
        let flush = try #require(try fixture.log.beginFlush())
        #expect(flush.endOffset == 2)
        #expect(try fixture.log.beginFlush()?.endOffset == nil, "nothing new to sync while the first flush runs")

        // The log stays usable between begin and end: the sync itself needs no lock.
        try fixture.append(records: 1)
        #expect(try values(in: fixture.log.read(from: 0, maxBytes: 1 << 20)) == ["v-0", "v-1", "v-0"])
        try flush.sync()
        fixture.log.endFlush(flush, succeeded: true)
        #expect(fixture.log.syncedOffset == 2, "the record appended after the flush began is not covered")

        let next = try #require(try fixture.log.beginFlush())
        #expect(next.endOffset == 3)
        try next.sync()
        fixture.log.endFlush(next, succeeded: true)
        #expect(fixture.log.syncedOffset == 3)
        #expect(try fixture.log.beginFlush()?.endOffset == nil)
    }

    @Test func aFailedFlushLeavesItsAppendsForTheNextOne() throws {
        let fixture = try LogFixture(.disk)
        try fixture.append(records: 2)
        let failed = try #require(try fixture.log.beginFlush())
        fixture.log.endFlush(failed, succeeded: false)
        #expect(fixture.log.syncedOffset == 0)

        let retry = try #require(try fixture.log.beginFlush(), "the failed flush's segment is unsynced again")
        #expect(retry.endOffset == 2)
        try retry.sync()
        fixture.log.endFlush(retry, succeeded: true)
        #expect(fixture.log.syncedOffset == 2)
    }

    @Test func alwaysPolicyLeavesTheSyncToTheOwnerAndIsDueAtOnce() throws {
        let fixture = try LogFixture(.disk, config: LogConfig(flush: .always))
        try fixture.append(records: 2, now: 1_000)
        #expect(fixture.log.syncedOffset == 0, "append does not sync by itself")
        let flush = try #require(try fixture.log.beginFlushIfDue(now: 1_000))
        try flush.sync()
        fixture.log.endFlush(flush, succeeded: true)
        #expect(fixture.log.syncedOffset == 2)
    }

    @Test func intervalPolicyFlushesOnlyOnceDue() throws {
        let fixture = try LogFixture(.disk, config: LogConfig(flush: .interval(milliseconds: 100)))
        try fixture.append(records: 2, now: 1_000)
        #expect(try fixture.log.beginFlushIfDue(now: 1_099)?.endOffset == nil)
        try fixture.log.flushIfDue(now: 1_100)
        #expect(fixture.log.syncedOffset == 2)
        try fixture.append(records: 1, now: 5_000)
        #expect(try fixture.log.beginFlushIfDue(now: 5_050)?.endOffset == nil,
                "the interval counts from the first unsynced append")
        try fixture.log.flush()
        #expect(fixture.log.syncedOffset == 3)
    }

    @Test func aMemoryLogIsAlwaysSynced() throws {
        let fixture = try LogFixture(.memory, config: LogConfig(flush: .always))
        try fixture.append(records: 4)
        #expect(fixture.log.syncedOffset == 4)
        let flush = try #require(try fixture.log.beginFlush())
        try flush.sync()
        fixture.log.endFlush(flush, succeeded: true)
        #expect(fixture.log.syncedOffset == 4)
    }

    @Test func aFlushBegunBeforeCloseOrRetentionStillSyncs() throws {
        // The flush holds its own descriptors, so the log may close or delete the file meanwhile.
        let fixture = try LogFixture(.disk, config: LogConfig(segmentBytes: 200, retentionBytes: 1))
        try fixture.append(records: 1)
        let flush = try #require(try fixture.log.beginFlush())
        for _ in 0..<4 { try fixture.append(records: 2) }
        #expect(try fixture.log.enforceRetention(now: 1_000) > 0, "the flushed segment is deleted")
        try flush.sync()
        fixture.log.endFlush(flush, succeeded: true)

        let last = try #require(try fixture.log.beginFlush())
        try fixture.log.close()
        try last.sync()
        fixture.log.endFlush(last, succeeded: true)
    }

    @Test func aRollLeavesTheOldSegmentAndItsIndexesToTheNextFlush() throws {
        // Segments of about one batch: the second append rolls.
        let fixture = try LogFixture(.disk, config: LogConfig(segmentBytes: 100, flush: .interval(milliseconds: 60_000)))
        try fixture.append(records: 2)
        try fixture.append(records: 2)
        #expect(fixture.log.segmentCount == 2)
        #expect(fixture.log.syncedOffset == 0, "the roll synced nothing under the lock")
        let flush = try #require(try fixture.log.beginFlush())
        let names = flush.files.map { String($0.path.split(separator: "/").last ?? "") }.sorted()
        #expect(names == ["00000000000000000000.index", "00000000000000000000.log", "00000000000000000000.timeindex",
                          "00000000000000000002.log"])
        try flush.sync()
        fixture.log.endFlush(flush, succeeded: true)
        #expect(fixture.log.syncedOffset == 4)
        #expect(try fixture.log.beginFlush() == nil, "everything synced")
    }
}
