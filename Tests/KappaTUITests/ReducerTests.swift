import Testing

@testable import KappaTUI

@Suite struct ReducerTests {
    func fresh() -> DashboardState {
        var s = DashboardState(clusterLabel: "broker 127.0.0.1:9092", topic: "sample", consumerGroup: "kappa-console")
        s.resize(width: 120, height: 40)
        return s
    }

    func focused(_ pane: Pane) -> DashboardState {
        var s = self.fresh()
        while s.focus != pane { _ = s.handle(.tab) }
        return s
    }

    @Test func startsOnKafkaTermAndStartsTheConsumer() {
        let s = self.fresh()
        #expect(s.focus == .kafkaTerm)
        #expect(
            s.startupEffects == [.selectTopic("sample"), .subscribeConsumer(group: "kappa-console", topic: "sample", isolation: .readCommitted)])
    }

    @Test func tabCyclesFocusAndShiftTabGoesBack() {
        var s = self.fresh()
        var seen: [Pane] = []
        for _ in 0..<5 {
            seen.append(s.focus)
            #expect(s.handle(.tab).isEmpty)
        }
        #expect(seen == [.kafkaTerm, .offsets, .producerTerm, .consumerTerm, .kafkaTerm])
        _ = s.handle(.backTab)
        #expect(s.focus == .kafkaTerm)
        _ = s.handle(.backTab)
        #expect(s.focus == .consumerTerm)
    }

    @Test func producerLineAndEnterSendsJSONEncodedKeyAndValue() {
        var s = self.focused(.producerTerm)
        #expect(Fixtures.typing("MYHAIR:Black", into: &s).isEmpty)
        let effects = s.handle(.enter)
        #expect(
            effects == [
                .produce(
                    ProduceCommand(
                        id: 1, topic: "sample", partition: nil, key: Array("\"MYHAIR\"".utf8),
                        value: Array("\"Black\"".utf8), headers: []))
            ])
        #expect(s.producer.prompt.isEmpty)
        #expect(s.producer.lines.last == ProducerLine(kind: .send(id: 1, status: .pending), text: "MYHAIR:Black"))
        s.apply(.produced(id: 1, result: .success(PartitionOffset(topic: "sample", partition: 0, offset: 3))))
        let rows = renderDashboard(s, width: 120, height: 40, theme: .monochrome).rows
        #expect(rows.contains { $0.contains("MYHAIR:Black → sample-0 @ 3") })
    }

    @Test func producerFailureAndPendingAreShown() {
        var s = self.focused(.producerTerm)
        _ = Fixtures.typing("a:1", into: &s)
        _ = s.handle(.enter)
        _ = Fixtures.typing("b:2", into: &s)
        _ = s.handle(.enter)
        s.apply(.produced(id: 1, result: .failure(ProduceFailure("UNKNOWN_TOPIC_OR_PARTITION"))))
        let rows = renderDashboard(s, width: 120, height: 40, theme: .monochrome).rows
        #expect(rows.contains { $0.contains("a:1 ✗ UNKNOWN_TOPIC_OR_PARTITION") })
        #expect(rows.contains { $0.contains("b:2 …") })
    }

    @Test func producerSettings() {
        var s = self.focused(.producerTerm)
        for command in [":serializer string", ":sep =", ":partition 2", ":header source=kappa", ":header trace"] {
            _ = Fixtures.typing(command, into: &s)
            #expect(s.handle(.enter).isEmpty)
        }
        _ = Fixtures.typing("k=v:w", into: &s)
        #expect(
            s.handle(.enter) == [
                .produce(
                    ProduceCommand(
                        id: 1, topic: "sample", partition: 2, key: Array("k".utf8), value: Array("v:w".utf8),
                        headers: [
                            HeaderPair(key: "source", value: Array("kappa".utf8)), HeaderPair(key: "trace", value: nil),
                        ]))
            ])
        _ = Fixtures.typing("no separator here", into: &s)
        guard case .produce(let nullKey) = s.handle(.enter).first else {
            Issue.record("no produce")
            return
        }
        #expect(nullKey.key == nil)
        #expect(nullKey.value == Array("no separator here".utf8))
        for command in [":headers clear", ":partition auto", ":serializer json", ":sep none"] {
            _ = Fixtures.typing(command, into: &s)
            _ = s.handle(.enter)
        }
        _ = Fixtures.typing("a:b", into: &s)
        #expect(
            s.handle(.enter) == [
                .produce(
                    ProduceCommand(
                        id: 3, topic: "sample", partition: nil, key: nil, value: Array("\"a:b\"".utf8), headers: []))
            ])
        _ = Fixtures.typing(":topic other", into: &s)
        #expect(s.handle(.enter) == [.selectTopic("other")])
        #expect(s.topic == "other")
        _ = Fixtures.typing(":topic bad name", into: &s)
        #expect(s.handle(.enter).isEmpty)
        #expect(s.producer.lines.last?.kind == .error)
        _ = Fixtures.typing("::colon", into: &s)
        guard case .produce(let colon) = s.handle(.enter).first else {
            Issue.record("no produce")
            return
        }
        #expect(colon.value == Array("\":colon\"".utf8))
    }

    @Test func producerHistoryWithUpAndDown() {
        var s = self.focused(.producerTerm)
        for line in ["one", "two"] {
            _ = Fixtures.typing(line, into: &s)
            _ = s.handle(.enter)
        }
        _ = Fixtures.typing("dra", into: &s)
        _ = s.handle(.up)
        #expect(s.producer.prompt.string == "two")
        _ = s.handle(.up)
        #expect(s.producer.prompt.string == "one")
        _ = s.handle(.up)
        #expect(s.producer.prompt.string == "one")
        _ = s.handle(.down)
        _ = s.handle(.down)
        #expect(s.producer.prompt.string == "dra")
    }

    @Test func qTypesWhereAPromptHasFocus() {
        for pane in [Pane.kafkaTerm, .producerTerm] {
            var s = self.focused(pane)
            #expect(s.promptHasFocus)
            #expect(s.handle(.char("q")).isEmpty)
            #expect(!s.wantsQuit)
            let typed = pane == .kafkaTerm ? s.kafka.prompt.string : s.producer.prompt.string
            #expect(typed == "q")
        }
        var s = self.focused(.consumerTerm)
        _ = s.handle(.char(":"))
        #expect(s.handle(.char("q")).isEmpty)
        #expect(!s.wantsQuit)
    }

    @Test func qQuitsWhereNoPromptHasFocus() {
        for pane in [Pane.offsets, .consumerTerm] {
            var s = self.focused(pane)
            #expect(!s.promptHasFocus)
            #expect(s.handle(.char("q")) == [.quit])
            #expect(s.wantsQuit)
        }
    }

    @Test func ctrlCAlwaysQuits() {
        for pane in Pane.allCases {
            var s = self.focused(pane)
            _ = Fixtures.typing("half a line", into: &s)
            #expect(s.handle(.ctrlC) == [.quit])
            #expect(s.wantsQuit)
        }
        var browsing = self.fresh()
        _ = browsing.handle(.function(2))
        _ = browsing.handle(.char("o"))
        #expect(browsing.handle(.ctrlC) == [.quit])
        var helping = self.fresh()
        _ = helping.handle(.function(1))
        #expect(helping.handle(.ctrlC) == [.quit])
    }

    @Test func kafkaTermRunsCommandsAndEchoesThem() {
        var s = self.fresh()
        _ = Fixtures.typing("bin/kafka-topics.sh --list --bootstrap-server localhost:9092", into: &s)
        #expect(s.handle(.enter) == [.admin(.listTopics)])
        #expect(
            s.kafka.lines.last
                == KafkaTermLine(kind: .command, text: "bin/kafka-topics.sh --list --bootstrap-server localhost:9092"))
        s.apply(.adminResult(command: "list", lines: ["sample", "other"], isError: false))
        #expect(s.kafka.lines.suffix(2).map(\.text) == ["sample", "other"])
        _ = Fixtures.typing("nonsense", into: &s)
        #expect(s.handle(.enter).isEmpty)
        #expect(s.kafka.lines.last == KafkaTermLine(kind: .error, text: "unknown command 'nonsense' — try help"))
        _ = Fixtures.typing("help", into: &s)
        #expect(s.handle(.enter).isEmpty)
        #expect(s.kafka.lines.last?.kind == .info)
        _ = s.handle(.up)
        #expect(s.kafka.prompt.string == "help")
    }

    @Test func kafkaTermLogIsBounded() {
        var s = self.fresh()
        for i in 0..<(KafkaTermState.lineLimit + 10) {
            s.apply(.log(LogLine(timestamp: 0, level: .info, message: "line \(i)")))
        }
        #expect(s.kafka.lines.count == KafkaTermState.lineLimit)
        #expect(s.kafka.lines.first?.text == "line 10")
    }

    @Test func consumerKeys() {
        var s = self.focused(.consumerTerm)
        s.apply(.consumed(Fixtures.seedMessages))
        #expect(s.handle(.char("p")) == [.pauseConsumer(true)])
        #expect(s.consumer.paused)
        #expect(s.handle(.char("p")) == [.pauseConsumer(false)])
        _ = s.handle(.char("o"))
        #expect(s.consumer.format(Fixtures.seedMessages[0]) == "p0@0 Key= MYID , Value=' A20545137 '")
        _ = s.handle(.char("d"))
        #expect(s.consumer.deserializer == .json)
        _ = s.handle(.char("d"))
        #expect(s.consumer.deserializer == .string)
        #expect(s.consumer.format(Fixtures.seedMessages[0]) == "p0@0 Key= \"MYID\" , Value=' \"A20545137\" '")
        _ = s.handle(.char("d"))
        #expect(s.consumer.deserializer == .auto)
        _ = s.handle(.char("f"))
        #expect(!s.consumer.following)
        _ = s.handle(.char("f"))
        #expect(s.consumer.following)
        _ = s.handle(.char("c"))
        #expect(s.consumer.messages.isEmpty)
    }

    @Test func consumerCommandsResubscribe() {
        var s = self.focused(.consumerTerm)
        s.apply(.consumed(Fixtures.seedMessages))
        _ = s.handle(.char(":"))
        _ = Fixtures.typing("group group-2", into: &s)
        #expect(s.handle(.enter) == [.subscribeConsumer(group: "group-2", topic: "sample", isolation: .readCommitted)])
        #expect(s.consumer.messages.isEmpty && s.consumer.received == 0)
        _ = s.handle(.char(":"))
        _ = Fixtures.typing("topic other", into: &s)
        #expect(s.handle(.enter) == [.subscribeConsumer(group: "group-2", topic: "other", isolation: .readCommitted)])
        _ = s.handle(.char(":"))
        _ = Fixtures.typing("bogus", into: &s)
        #expect(s.handle(.enter).isEmpty)
        #expect(s.statusMessage?.hasPrefix("unknown command ':bogus'") == true)
    }

    @Test func consumerFilterAndBoundedLines() {
        var s = self.focused(.consumerTerm)
        s.apply(.consumed(Fixtures.seedMessages))
        _ = s.handle(.char("/"))
        _ = Fixtures.typing("brown", into: &s)
        _ = s.handle(.enter)
        #expect(s.consumer.visibleLines() == ["Key= MYEYECOLOR , Value=' Brown '"])
        _ = s.handle(.escape)
        #expect(s.consumer.visibleLines().count == 3)
        let many = (0..<(ConsumerTermState.lineLimit + 100)).map {
            ConsumedMessage(
                topic: "sample", partition: 0, offset: Int64($0), timestamp: 0, key: nil, value: Array("\($0)".utf8))
        }
        s.apply(.consumed(many))
        #expect(s.consumer.messages.count == ConsumerTermState.lineLimit)
        #expect(s.consumer.received == ConsumerTermState.lineLimit + 103)
        #expect(s.consumer.messages.last?.offset == Int64(ConsumerTermState.lineLimit + 99))
    }

    @Test func consumerScrollingStopsFollowingAndGResumes() {
        var s = self.focused(.consumerTerm)
        let many = (0..<100).map {
            ConsumedMessage(
                topic: "sample", partition: 0, offset: Int64($0), timestamp: 0, key: nil, value: Array("\($0)".utf8))
        }
        s.apply(.consumed(many))
        _ = s.handle(.pageUp)
        #expect(!s.consumer.following)
        let back = s.consumer.scrollBack
        #expect(back > 0)
        // New messages do not move what is being read.
        s.apply(
            .consumed([ConsumedMessage(topic: "sample", partition: 0, offset: 100, timestamp: 0, key: nil, value: [])]))
        #expect(s.consumer.scrollBack == back + 1)
        _ = s.handle(.char("G"))
        #expect(s.consumer.following && s.consumer.scrollBack == 0)
    }

    @Test func offsetsRateComesFromSuccessiveSnapshots() {
        var s = self.fresh()
        func snap(_ end: Int64, at t: Int64, topic: String = "sample") -> DashboardEvent {
            .offsets(
                OffsetsSnapshot(
                    topic: topic, partitions: [PartitionSummary(partition: 0, startOffset: 0, endOffset: end)],
                    groups: [], takenAt: t))
        }
        s.apply(snap(10, at: 0))
        #expect(s.offsets.currentRate == 0)
        s.apply(snap(30, at: 2000))
        #expect(s.offsets.currentRate == 10)
        s.apply(snap(30, at: 3000))
        #expect(Array(s.offsets.totalRates) == [10, 0])
        s.apply(snap(99, at: 4000, topic: "other"))  // not the selected topic: ignored
        #expect(s.offsets.snapshot?.topic == "sample")
    }

    @Test func browseFromConsumerTermPagesThroughRecords() {
        var s = self.focused(.consumerTerm)
        #expect(s.handle(.char("b")) == [.browse(.partitions(topic: "sample")), .browse(.topics)])
        s.apply(
            .browsePartitions(
                topic: "sample", partitions: [PartitionSummary(partition: 0, startOffset: 0, endOffset: 250)]))
        #expect(s.handle(.enter) == [.browse(.records(topic: "sample", partition: 0, fromOffset: 0, count: 100))])
        func page(_ from: Int64) -> [ConsumedMessage] {
            (from..<min(from + 100, 250)).map {
                ConsumedMessage(topic: "sample", partition: 0, offset: $0, timestamp: 0, key: nil, value: [])
            }
        }
        s.apply(.browsePage(topic: "sample", partition: 0, records: page(0), endOffset: 250))
        #expect(s.handle(.char("G")) == [.browse(.records(topic: "sample", partition: 0, fromOffset: 150, count: 100))])
        s.apply(.browsePage(topic: "sample", partition: 0, records: page(150), endOffset: 250))
        #expect(s.browse?.selectedRecord?.offset == 249)
        #expect(s.handle(.down).isEmpty)  // the last record: nothing more to load
        _ = s.handle(.char("g"))
        s.apply(.browsePage(topic: "sample", partition: 0, records: page(0), endOffset: 250))
        #expect(s.browse?.selectedRecord?.offset == 0)
        for _ in 0..<99 { _ = s.handle(.down) }
        #expect(s.handle(.down) == [.browse(.records(topic: "sample", partition: 0, fromOffset: 100, count: 100))])
        _ = s.handle(.char("o"))
        _ = Fixtures.typing("42", into: &s)
        #expect(s.handle(.enter) == [.browse(.records(topic: "sample", partition: 0, fromOffset: 42, count: 100))])
        _ = s.handle(.char("t"))
        _ = Fixtures.typing("2026-11-24T19:21:00.000Z", into: &s)
        #expect(
            s.handle(.enter) == [
                .browse(.recordsAtTime(topic: "sample", partition: 0, timestamp: Fixtures.base, count: 100))
            ])
        #expect(s.handle(.escape) == [.browse(.partitions(topic: "sample"))])
        #expect(s.handle(.escape) == [.browse(.topics)])
        #expect(s.handle(.escape).isEmpty)
        #expect(s.browse == nil)
    }

    @Test func helpOverlayOpensAndAnyKeyClosesIt() {
        var s = self.focused(.offsets)
        _ = s.handle(.char("?"))
        #expect(s.showingHelp)
        #expect(s.handle(.char("q")).isEmpty)  // closes help, does not quit
        #expect(!s.showingHelp && !s.wantsQuit)
        var k = self.fresh()
        _ = k.handle(.char("?"))  // Kafka-Term prompt: '?' is typed
        #expect(!k.showingHelp && k.kafka.prompt.string == "?")
        _ = k.handle(.function(1))
        #expect(k.showingHelp)
    }

    @Test func statusMessageLastsUntilTheNextKey() {
        var s = self.fresh()
        s.apply(.status("connected"))
        #expect(s.statusMessage == "connected")
        _ = s.handle(.resize)
        #expect(s.statusMessage == "connected")
        _ = s.handle(.right)
        #expect(s.statusMessage == nil)
    }
}
