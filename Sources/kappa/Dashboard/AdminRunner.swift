import Foundation
import KappaClient
import KappaTUI

/// Runs Kafka-Term's admin commands against the cluster and words the results the way Kafka's own
/// tools do, so the course's instructions read the same. Blocking: call it on a worker queue.
struct AdminRunner {
    let admin: KafkaAdmin
    /// For the `kafka-transactions.sh` commands, which go through `RawKafkaClient`.
    var config: ClientConfig?

    struct Failure: Error {
        var message: String
    }

    func run(_ command: AdminCommand) -> (lines: [String], isError: Bool) {
        do {
            return (try self.execute(command), false)
        } catch let failure as Failure {
            return (["Error: " + failure.message], true)
        } catch {
            return (["Error: \(error)"], true)
        }
    }

    /// The result lines of `command`; throws `Failure` or `KafkaClientError` (one line each). The
    /// headless commands (`kappa topics ...`, `kappa groups ...`) print these lines as they are.
    func execute(_ command: AdminCommand) throws -> [String] {
        if TransactionsRunner.handles(command) {
            guard let config = self.config else { throw Failure(message: "no connection settings for \(command)") }
            let rows = try TransactionsRunner(config: config).rows(command)
            return rows.count == 1 && rows[0].count == 1 ? rows[0] : Self.table(rows)
        }
        switch command {
        case .createTopic(let name, let partitions, let replicationFactor, let configs):
            try self.admin.createTopic(name, partitions: partitions, replicationFactor: replicationFactor, configs: configs)
            return ["Created topic \(name)."]
        case .listTopics:
            let names = try self.admin.listTopics().map(\.name)
            return names.isEmpty ? ["(no topics)"] : names
        case .describeTopic(let name):
            let topics = try self.admin.listTopics().filter { name == nil || $0.name == name }
            if let name, topics.isEmpty { throw Failure(message: "Topic '\(name)' does not exist as expected") }
            // Configs are optional here: a cluster without a usable controller (librdkafka's mock) lets
            // DescribeConfigs wait, so it gets a few seconds once and is not asked again.
            var askConfigs = true
            return topics.flatMap { topic in
                var configs = ""
                if askConfigs {
                    do {
                        configs = try self.admin.describeTopicConfigs(topic.name, timeoutMs: 3_000).filter(\.isOwnSetting)
                            .map { "\($0.name)=\($0.value ?? "")" }.joined(separator: ",")
                    } catch let error as KafkaClientError where error.name == "_TIMED_OUT" {
                        askConfigs = false
                    } catch {}
                }
                return self.describe(topic, configs: configs)
            }
        case .deleteTopic(let name):
            try self.admin.deleteTopic(name)
            return ["Deleted topic \(name)."]
        case .alterPartitions(let topic, let count):
            try self.admin.createPartitions(topic, totalCount: count)
            return ["Topic \(topic) now has \(count) partitions."]
        case .describeConfigs(let entity, let all):
            let configs = try self.admin.describeConfigs(Self.resource(entity)).filter { all || $0.isOwnSetting }
            return ["\(all ? "All" : "Dynamic") configs for \(entity.label) are:"] + configs.map(Self.configLine)
        case .alterConfigs(let entity, let set, let delete):
            try self.admin.alterConfigs(Self.resource(entity), set: set, delete: delete)
            return ["Completed updating config for \(entity.label)."]
        case .listGroups:
            let groups = try self.admin.listGroups().map(\.groupId).sorted()
            return groups.isEmpty ? ["(no consumer groups)"] : groups
        case .describeGroup(let group):
            return try self.describeGroup(group)
        case .deleteGroup(let group):
            guard try self.groupRequestsSupported() else {
                throw Failure(message: "This cluster cannot delete consumer groups (it does not answer ListGroups/DeleteGroups).")
            }
            try self.admin.deleteGroup(group)
            return ["Deletion of requested consumer groups ('\(group)') was successful."]
        case .resetOffsets(let group, let topic, let spec, let execute):
            return try self.resetOffsets(group: group, topic: topic, to: spec, execute: execute)
        case .help:
            return Self.help
        case .listTransactions, .describeTransaction, .describeProducers, .abortTransaction, .abortProducerTransaction:
            return []  // handled above
        }
    }

    static let help = [
        "kafka-topics.sh --create --topic T [--partitions N] [--replication-factor 1] [--config k=v]",
        "kafka-topics.sh --list | --describe [--topic T] | --delete --topic T | --alter --topic T --partitions N",
        "kafka-configs.sh --describe [--all] | --alter --entity-type topics|brokers --entity-name T|1 --add-config k=v[,k=v] --delete-config k",
        "kafka-consumer-groups.sh --list | --describe --group G | --delete --group G",
        "kafka-consumer-groups.sh --reset-offsets --group G --topic T --to-earliest|--to-latest|--to-datetime D|--to-offset N|--shift-by N [--execute]",
        "kafka-transactions.sh list | describe --transactional-id ID | describe-producers --topic T --partition P",
        "kafka-transactions.sh abort --topic T --partition P --start-offset N (or --producer-id --producer-epoch --coordinator-epoch)",
        "short forms: create T [-p N] · list · describe [T] · configs T · delete T · groups · group G · help",
    ]

    private static func resource(_ entity: ConfigEntity) -> ConfigResource {
        switch entity {
        case .topic(let name): return .topic(name)
        case .broker(let id): return .broker(id)
        }
    }

    /// One config as `kafka-configs.sh --describe` prints it.
    static func configLine(_ config: ConfigDescription) -> String {
        let value = config.isSensitive ? "null" : (config.value ?? "null")
        let synonyms = config.synonyms.map { "\($0.source.name):\($0.name)=\($0.value ?? "null")" }.joined(separator: ", ")
        return "  \(config.name)=\(value) sensitive=\(config.isSensitive) synonyms={\(synonyms)}"
    }

    private func describe(_ topic: TopicInfo, configs: String) -> [String] {
        let replication = topic.partitions.first?.replicas.count ?? 0
        var lines = ["Topic: \(topic.name)  PartitionCount: \(topic.partitions.count)  ReplicationFactor: \(replication)  Configs: \(configs)"]
        for partition in topic.partitions {
            let replicas = partition.replicas.map(String.init).joined(separator: ",")
            let isr = partition.isrs.map(String.init).joined(separator: ",")
            lines.append("  Topic: \(topic.name)  Partition: \(partition.id)  Leader: \(partition.leader)  Replicas: \(replicas)  Isr: \(isr)")
        }
        return lines
    }

    /// The group's description, or `supported: false` from a cluster without DescribeGroups (librdkafka's
    /// mock cluster), where committed offsets are still readable.
    private func groupDescription(_ group: String) throws -> (info: GroupInfo?, supported: Bool) {
        guard try self.groupRequestsSupported() else { return (nil, false) }
        return (try self.admin.describeGroups([group]).first, true)
    }

    /// Whether the cluster answers ListGroups, and so DescribeGroups and DeleteGroups (Kafka has had all
    /// three since 0.9; librdkafka's mock cluster has none). Asked first because librdkafka 2.0 mishandles
    /// an unsupported DescribeGroups or DeleteGroups: the next group request goes unanswered and the
    /// handle can later abort the process.
    private func groupRequestsSupported() throws -> Bool {
        do {
            _ = try self.admin.listGroups()
            return true
        } catch let error as KafkaClientError where error.name == "_UNSUPPORTED_FEATURE" {
            return false
        }
    }

    /// Every committed offset of the group. A cluster that cannot answer for "all partitions" (the mock
    /// cluster) is asked for the partitions of every topic instead.
    private func allCommittedOffsets(_ group: String) throws -> [TopicPartition: Int64] {
        do {
            return try self.admin.committedOffsets(group: group)
        } catch let error as KafkaClientError where error.name == "_BAD_MSG" || error.name == "_UNSUPPORTED_FEATURE" {
            let partitions = try self.admin.listTopics().flatMap { topic in
                topic.partitions.map { TopicPartition(topic: topic.name, partition: $0.id) }
            }
            return try self.admin.committedOffsets(group: group, partitions: partitions)
        }
    }

    private func describeGroup(_ group: String) throws -> [String] {
        // Offsets first: after a DescribeGroups the cluster does not support, librdkafka 2.0 may leave
        // the next group request unanswered.
        let committed = try self.allCommittedOffsets(group)
        let (info, supported) = try self.groupDescription(group)
        if supported ? (info == nil || (info?.state == "Dead" && committed.isEmpty)) : committed.isEmpty {
            throw Failure(message: "Consumer group '\(group)' does not exist.")
        }
        var owner: [TopicPartition: GroupMemberInfo] = [:]
        for member in info?.members ?? [] {
            for tp in member.assignment { owner[tp] = member }
        }
        var rows: [[String]] = [["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID"]]
        for tp in Set(committed.keys).union(owner.keys).sorted() {
            let end = (try? self.admin.watermarks(tp).high)
            let current = committed[tp]
            let lag = current.flatMap { c in end.map { max(0, $0 - c) } }
            let member = owner[tp]
            rows.append([group, tp.topic, "\(tp.partition)", current.map(String.init) ?? "-", end.map(String.init) ?? "-",
                         lag.map(String.init) ?? "-", member?.memberId ?? "-", member?.host ?? "-", member?.clientId ?? "-"])
        }
        var lines: [String] = []
        if !supported {
            lines.append("Consumer group '\(group)': members unknown (the cluster does not answer DescribeGroups).")
        } else if (info?.members ?? []).isEmpty {
            lines.append("Consumer group '\(group)' has no active members.")
        }
        return lines + Self.table(rows)
    }

    private func resetOffsets(group: String, topic: String, to spec: OffsetSpec, execute: Bool) throws -> [String] {
        guard let info = try self.admin.listTopics().first(where: { $0.name == topic }) else {
            throw Failure(message: "Topic '\(topic)' does not exist")
        }
        let committed = try self.admin.committedOffsets(
            group: group, partitions: info.partitions.map { TopicPartition(topic: topic, partition: $0.id) })
        var targets: [TopicPartition: Int64] = [:]
        var byTime: [TopicPartition: Int64] = [:]
        if case .datetime(let ms) = spec {
            let queries = Dictionary(uniqueKeysWithValues: info.partitions.map { (TopicPartition(topic: topic, partition: $0.id), ms) })
            byTime = try self.admin.offsetsForTimes(queries)
        }
        for partition in info.partitions {
            let tp = TopicPartition(topic: topic, partition: partition.id)
            let (low, high) = try self.admin.watermarks(tp)
            let target: Int64
            switch spec {
            case .earliest: target = low
            case .latest: target = high
            case .datetime: target = byTime[tp].flatMap { $0 >= 0 ? $0 : nil } ?? high
            case .offset(let n): target = n
            case .shiftBy(let n): target = (committed[tp] ?? low) + n
            }
            targets[tp] = min(max(target, low), high)
        }
        if execute {
            if let state = try self.groupDescription(group).info, !state.members.isEmpty {
                throw Failure(message: "Assignments can only be reset if the group '\(group)' is inactive, but the current state is \(state.state).")
            }
            try self.admin.alterCommittedOffsets(group: group, targets)
        }
        var rows = [["GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"]]
        for (tp, offset) in targets.sorted(by: { $0.key < $1.key }) {
            rows.append([group, tp.topic, "\(tp.partition)", "\(offset)"])
        }
        return Self.table(rows) + (execute ? [] : ["(dry run: nothing changed; add --execute to apply)"])
    }

    /// Left-aligned columns separated by two spaces.
    static func table(_ rows: [[String]]) -> [String] {
        guard let columns = rows.map(\.count).max() else { return [] }
        var widths = Array(repeating: 0, count: columns)
        for row in rows {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
        }
        return rows.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
    }
}
