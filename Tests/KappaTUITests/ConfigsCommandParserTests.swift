import Testing

@testable import KappaTUI

/// `kafka-configs.sh` lines as Kafka's docs print them, pasted into Kafka-Term.
@Suite struct ConfigsCommandParserTests {
    func ok(_ line: String) -> AdminCommand? {
        if case .success(let c) = CommandParser.parse(line) { return c }
        return nil
    }

    func error(_ line: String) -> String? {
        if case .failure(let e) = CommandParser.parse(line) { return e.message }
        return nil
    }

    @Test func describeAsKafkaPrintsIt() {
        #expect(
            self.ok("bin/kafka-configs.sh --bootstrap-server localhost:9092 --entity-type topics --entity-name t --describe")
                == .describeConfigs(.topic("t"), all: false))
        #expect(self.ok("kafka-configs.sh --describe --all --topic t") == .describeConfigs(.topic("t"), all: true))
        #expect(self.ok("configs t") == .describeConfigs(.topic("t"), all: true))
    }

    @Test func alterWithAddAndDeleteConfig() {
        #expect(
            self.ok(
                "kafka-configs.sh --bootstrap-server localhost:9092 --alter --entity-type topics --entity-name t "
                    + "--add-config retention.ms=60000,segment.bytes=1000 --delete-config cleanup.policy")
                == .alterConfigs(.topic("t"), set: ["retention.ms": "60000", "segment.bytes": "1000"], delete: ["cleanup.policy"]))
        #expect(
            self.ok("kafka-configs.sh --alter --entity-type=topics --entity-name=t --add-config 'cleanup.policy=[compact,delete]'")
                == .alterConfigs(.topic("t"), set: ["cleanup.policy": "compact,delete"], delete: []))
        #expect(
            self.ok("kafka-configs.sh --alter --entity-type topics --entity-name t --delete-config retention.ms,segment.ms")
                == .alterConfigs(.topic("t"), set: [:], delete: ["retention.ms", "segment.ms"]))
    }

    @Test func brokerEntities() {
        #expect(
            self.ok("kafka-configs.sh --bootstrap-server localhost:9092 --entity-type brokers --entity-name 1 --describe --all")
                == .describeConfigs(.broker(1), all: true))
        #expect(
            self.ok("kafka-configs.sh --alter --broker 1 --add-config log.retention.ms=60000")
                == .alterConfigs(.broker(1), set: ["log.retention.ms": "60000"], delete: []))
    }

    @Test func mistakesSayWhy() {
        #expect(self.error("kafka-configs.sh --alter --entity-type topics --entity-name t")?.contains("--add-config") == true)
        #expect(self.error("kafka-configs.sh --describe --entity-type users --entity-name u")?.contains("brokers") == true)
        #expect(self.error("kafka-configs.sh --describe --entity-type brokers --entity-default")?.contains("--entity-name 1") == true)
        #expect(self.error("kafka-configs.sh --describe --entity-type topics")?.contains("--entity-name") == true)
        #expect(self.error("kafka-configs.sh --alter --entity-name t --add-config retention.ms")?.contains("k=v") == true)
        #expect(self.error("kafka-configs.sh --alter --entity-name t --add-config a=1 --delete-config a")?.contains("'a'") == true)
        #expect(self.error("kafka-configs.sh --describe --alter --entity-name t")?.contains("only one") == true)
    }
}
