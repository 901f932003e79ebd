import Foundation
import Testing

@testable import KappaTUI

/// Producer-Term's `:txn`, Consumer-Term's `:isolation` and Kafka-Term's `kafka-transactions.sh` (issue 11).
@Suite struct TransactionTests {
    func focused(_ pane: Pane) -> DashboardState {
        var s = DashboardState(clusterLabel: "broker 127.0.0.1:9092", topic: "sample", consumerGroup: "kappa-console")
        s.resize(width: 120, height: 40)
        while s.focus != pane { _ = s.handle(.tab) }
        return s
    }

    func run(_ line: String, in s: inout DashboardState) -> [DashboardEffect] {
        _ = Fixtures.typing(line, into: &s)
        return s.handle(.enter)
    }

    func rows(_ s: DashboardState) -> [String] {
        renderDashboard(s, width: 120, height: 40, theme: .monochrome).rows
    }

    @Test func txnBeginSendsLinesTransactionallyUntilCommit() {
        var s = self.focused(.producerTerm)
        #expect(self.run(":txn begin", in: &s) == [.transaction(.begin)])
        #expect(s.producer.transactionLines == 0)
        #expect(self.rows(s).contains { $0.contains("Producer-Term") && $0.contains("txn open · 0 lines") })
        let effects = self.run("k:v", in: &s)
        guard case .produce(let command)? = effects.first else {
            Issue.record("no produce effect: \(effects)")
            return
        }
        #expect(command.transactional)
        _ = self.run("k2:v2", in: &s)
        #expect(s.producer.transactionLines == 2)
        #expect(self.rows(s).contains { $0.contains("txn open · 2 lines") })
        #expect(self.run(":txn commit", in: &s) == [.transaction(.commit)])
        #expect(s.producer.transactionLines == nil)
        #expect(!self.rows(s).contains { $0.contains("txn open") })
        s.apply(.transactionDone(.commit, error: nil))
        #expect(s.producer.lines.last?.text == "transaction committed")
        // Outside a transaction a line is plain again.
        guard case .produce(let plain)? = self.run("k3:v3", in: &s).first else {
            Issue.record("no produce effect")
            return
        }
        #expect(!plain.transactional)
    }

    @Test func txnAbortAndMisuseArePrintedInThePane() {
        var s = self.focused(.producerTerm)
        #expect(self.run(":txn commit", in: &s).isEmpty)
        #expect(s.producer.lines.last?.kind == .error)
        #expect(s.producer.lines.last?.text.contains("no transaction open") == true)
        _ = self.run(":txn begin", in: &s)
        #expect(self.run(":txn begin", in: &s).isEmpty)
        #expect(s.producer.lines.last?.text.contains("already open") == true)
        _ = self.run("a:1", in: &s)
        #expect(self.run(":txn abort", in: &s) == [.transaction(.abort)])
        #expect(s.producer.lines.last?.text == "aborting 1 line…")
        #expect(self.run(":txn frob", in: &s).isEmpty)
        #expect(s.producer.lines.last?.text == "usage: :txn begin|commit|abort")
    }

    @Test func aFailedBeginClosesTheTransactionWithTheReason() {
        var s = self.focused(.producerTerm)
        _ = self.run(":txn begin", in: &s)
        s.apply(.transactionDone(.begin, error: "cannot initialise transactions: boom (_FAIL)"))
        #expect(s.producer.transactionLines == nil)
        #expect(s.producer.lines.last == ProducerLine(kind: .error, text: "✗ cannot initialise transactions: boom (_FAIL)"))
    }

    @Test func isolationRecreatesTheConsumerAndShowsInTheTitle() {
        var s = self.focused(.consumerTerm)
        #expect(s.consumer.isolation == .readCommitted)
        #expect(!self.rows(s).contains { $0.contains("read_uncommitted") })
        #expect(
            self.run(":isolation read_uncommitted", in: &s)
                == [.subscribeConsumer(group: "kappa-console", topic: "sample", isolation: .readUncommitted)])
        #expect(s.consumer.isolation == .readUncommitted)
        #expect(self.rows(s).contains { $0.hasPrefix("┌ Consumer-Term") && $0.contains("read_uncommitted") })
        // A later :group keeps the level.
        #expect(
            self.run(":group g2", in: &s)
                == [.subscribeConsumer(group: "g2", topic: "sample", isolation: .readUncommitted)])
        #expect(self.run(":isolation sometimes", in: &s).isEmpty)
        #expect(s.statusMessage?.contains("read_committed|read_uncommitted") == true)
        #expect(
            self.run(":isolation read_committed", in: &s)
                == [.subscribeConsumer(group: "g2", topic: "sample", isolation: .readCommitted)])
    }

    func parse(_ line: String) -> Result<AdminCommand, CommandError> { CommandParser.parse(line) }

    @Test func kafkaTransactionsCommandsParseAsPasted() throws {
        #expect(try self.parse("bin/kafka-transactions.sh --bootstrap-server localhost:9092 list").get() == .listTransactions)
        #expect(
            try self.parse("kafka-transactions.sh --bootstrap-server localhost:9092 describe --transactional-id tx-1").get()
                == .describeTransaction("tx-1"))
        #expect(
            try self.parse("kafka-transactions.sh describe-producers --topic sample --partition 0 --bootstrap-server x:1")
                .get() == .describeProducers(topic: "sample", partition: 0))
        #expect(
            try self.parse("kafka-transactions.sh --bootstrap-server x:1 abort --topic sample --partition 2 --start-offset 7")
                .get() == .abortTransaction(topic: "sample", partition: 2, startOffset: 7))
        #expect(
            try self.parse(
                "kafka-transactions.sh abort --topic t --partition 0 --producer-id 5 --producer-epoch 1 --coordinator-epoch 0"
            ).get() == .abortProducerTransaction(topic: "t", partition: 0, producerId: 5, producerEpoch: 1, coordinatorEpoch: 0))
    }

    @Test(arguments: [
        ("kafka-transactions.sh --bootstrap-server x:1", "needs a command"),
        ("kafka-transactions.sh describe", "--transactional-id"),
        ("kafka-transactions.sh describe-producers --topic t", "--partition"),
        ("kafka-transactions.sh describe-producers --topic t --partition x", "not a number"),
        ("kafka-transactions.sh abort --topic t --partition 0", "--start-offset"),
        ("kafka-transactions.sh abort --topic t --partition 0 --start-offset 1 --producer-id 2", "not both"),
        ("kafka-transactions.sh find-hanging --broker-id 0", "not supported"),
        ("kafka-transactions.sh frob", "unknown command"),
        ("kafka-transactions.sh list --frob", "unknown option"),
    ])
    func badTransactionsCommandsSayWhy(line: String, reason: String) {
        guard case .failure(let error) = self.parse(line) else {
            Issue.record("\(line) parsed")
            return
        }
        #expect(error.message.contains(reason), "\(error.message)")
    }

    @Test func offsetsShowsTheLSOAndOpenTransactionsOnlyWhileTheyMatter() {
        var s = DashboardState(clusterLabel: "broker 127.0.0.1:9092", topic: "sample", consumerGroup: "kappa-console")
        s.resize(width: 120, height: 40)
        s.apply(.offsets(OffsetsSnapshot(
            topic: "sample",
            partitions: [PartitionSummary(partition: 0, startOffset: 0, endOffset: 4, lastStableOffset: 4)],
            groups: [], takenAt: 1_000)))
        #expect(!self.rows(s).contains { $0.contains(" lso ") })
        s.apply(.offsets(OffsetsSnapshot(
            topic: "sample",
            partitions: [
                PartitionSummary(partition: 0, startOffset: 0, endOffset: 7, lastStableOffset: 4, openTransactions: 1),
                PartitionSummary(partition: 1, startOffset: 0, endOffset: 2, lastStableOffset: 2),
            ],
            groups: [], takenAt: 2_000)))
        let rows = self.rows(s)
        #expect(rows.contains { $0.contains("part  start  end  lso  txn") }, "\(rows.prefix(6).joined(separator: "\n"))")
        #expect(rows.contains { $0.range(of: #"│\s+0\s+0\s+7\s+4\s+1\b"#, options: .regularExpression) != nil })
        #expect(rows.contains { $0.range(of: #"│\s+1\s+0\s+2\s+–\s+–"#, options: .regularExpression) != nil })
    }
}

extension TransactionTests {
    @Test func browseMarksTransactionsAndXShowsTheMarkers() {
        var s = DashboardState(clusterLabel: "broker 127.0.0.1:9092", topic: "sample", consumerGroup: "kappa-console")
        s.resize(width: 120, height: 40)
        _ = s.handle(.function(2))
        s.apply(.browsePartitions(topic: "sample", partitions: [PartitionSummary(partition: 0, startOffset: 0, endOffset: 4)]))
        _ = s.handle(.enter)
        let records = [
            ConsumedMessage(topic: "sample", partition: 0, offset: 0, timestamp: 0, key: nil, value: Array("a1".utf8), mark: .aborted),
            ConsumedMessage(topic: "sample", partition: 0, offset: 1, timestamp: 0, key: nil, value: nil, mark: .abortMarker),
            ConsumedMessage(topic: "sample", partition: 0, offset: 2, timestamp: 0, key: nil, value: Array("p".utf8)),
            ConsumedMessage(topic: "sample", partition: 0, offset: 3, timestamp: 0, key: nil, value: Array("o1".utf8), mark: .open),
        ]
        s.apply(.browsePage(topic: "sample", partition: 0, records: records, endOffset: 4))
        var rows = self.rows(s)
        #expect(rows.contains { $0.contains("offset") && $0.contains("txn") && $0.contains("key") })
        #expect(rows.contains { $0.range(of: #"▶\s+0\s+\S+ \S+\s+aborted"#, options: .regularExpression) != nil })
        #expect(rows.contains { $0.range(of: #"\s3\s+\S+ \S+\s+open"#, options: .regularExpression) != nil })
        #expect(!rows.contains { $0.contains("ABORT") })
        #expect(rows.last?.contains("x markers") == true)
        _ = s.handle(.char("x"))
        rows = self.rows(s)
        #expect(rows.contains { $0.range(of: #"\s1\s+\S+ \S+\s+ABORT\s+── control record"#, options: .regularExpression) != nil })
        _ = s.handle(.char("x"))
        #expect(!self.rows(s).contains { $0.contains("ABORT") })
    }
}
