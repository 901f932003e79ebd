/// The key reducer: which key does what depends on the help overlay, Browse, and the focused pane.
extension DashboardState {
    /// Applies a key and returns what the controller must do; `q` quits only where no prompt has focus,
    /// Ctrl-C always quits.
    public mutating func handle(_ key: Key) -> [DashboardEffect] {
        if key == .ctrlC { return self.quit() }
        if key == .resize { return [] }
        self.statusMessage = nil
        if self.showingHelp {
            // Any key closes the overlay; it is read, not used.
            self.showingHelp = false
            return []
        }
        if self.browse != nil { return self.handleBrowseKey(key) }
        switch key {
        case .tab:
            self.closeConsumerInput()
            self.focus = self.focus.next
            return []
        case .backTab:
            self.closeConsumerInput()
            self.focus = self.focus.previous
            return []
        case .function(1):
            self.showingHelp = true
            return []
        case .function(2):
            return self.openBrowse()
        default:
            break
        }
        switch self.focus {
        case .kafkaTerm: return self.handleKafkaKey(key)
        case .producerTerm: return self.handleProducerKey(key)
        case .consumerTerm: return self.handleConsumerKey(key)
        case .offsets: return self.handleOffsetsKey(key)
        }
    }

    mutating func quit() -> [DashboardEffect] {
        self.wantsQuit = true
        return [.quit]
    }

    // MARK: Kafka-Term

    private mutating func handleKafkaKey(_ key: Key) -> [DashboardEffect] {
        let page = self.layout.contentRows(of: .kafkaTerm)
        switch key {
        case .enter:
            return self.submitKafkaCommand()
        case .pageUp:
            self.kafka.scroll(by: page)
        case .pageDown:
            self.kafka.scroll(by: -page)
        case .escape:
            if self.kafka.prompt.isEmpty { self.kafka.scrollBack = 0 } else { self.kafka.prompt.clear() }
        default:
            _ = self.kafka.prompt.handle(key)
        }
        return []
    }

    private mutating func submitKafkaCommand() -> [DashboardEffect] {
        let line = self.kafka.prompt.submit().trimmingSpaces
        guard !line.isEmpty else { return [] }
        self.kafka.scrollBack = 0
        self.kafka.append(KafkaTermLine(kind: .command, text: line))
        guard line.count <= Self.kafkaCommandLimit else {
            self.kafka.append(
                KafkaTermLine(
                    kind: .error,
                    text: "Error: command too long (\(line.count) characters, at most \(Self.kafkaCommandLimit))"))
            return []
        }
        if line == "clear" || line == "cls" {
            self.kafka.clear()
            return []
        }
        switch CommandParser.parse(line, utcOffsetSeconds: self.utcOffsetSeconds) {
        case .success(.help):
            for text in Self.kafkaHelp { self.kafka.append(KafkaTermLine(kind: .info, text: text)) }
            return []
        case .success(let command):
            return [.admin(command)]
        case .failure(let error):
            self.kafka.append(KafkaTermLine(kind: .error, text: error.message))
            return []
        }
    }

    /// Characters a Kafka-Term command may have: the longest real one (a create with many --config) is a few
    /// hundred; anything longer is a paste gone wrong and gets one clear error instead of a parse of it.
    static let kafkaCommandLimit = 4096

    /// Printed by `help` in Kafka-Term.
    static let kafkaHelp = [
        "Commands (the Kafka tools' syntax, pasted as is, or the short forms):",
        "  kafka-topics.sh --create --topic T [--partitions N] [--replication-factor N] [--config K=V]",
        "  kafka-topics.sh --list | --describe [--topic T] | --delete --topic T",
        "  kafka-topics.sh --alter --topic T --partitions N",
        "  kafka-consumer-groups.sh --list | --describe --group G | --delete --group G",
        "  kafka-consumer-groups.sh --reset-offsets --group G --topic T --to-earliest|--to-latest|",
        "      --to-datetime 2026-11-24T19:21:00.000|--to-offset N|--shift-by N [--execute]  (dry run without)",
        "  kafka-transactions.sh list | describe --transactional-id ID",
        "  kafka-transactions.sh describe-producers --topic T --partition P",
        "  kafka-transactions.sh abort --topic T --partition P --start-offset N",
        "      (or --producer-id ID --producer-epoch E --coordinator-epoch C)",
        "  create T [-p N] [-r N]   list   describe [T]   delete T   alter T -p N",
        "  groups   group G   delete-group G   clear   help",
        "--bootstrap-server is accepted and ignored: the dashboard is already connected.",
    ]

    // MARK: Offsets

    private mutating func handleOffsetsKey(_ key: Key) -> [DashboardEffect] {
        let page = self.layout.contentRows(of: .offsets)
        switch key {
        case .char("q"): return self.quit()
        case .char("?"): self.showingHelp = true
        case .char("b"): return self.openBrowse()
        case .up, .char("k"): self.offsets.select(-1)
        case .down, .char("j"): self.offsets.select(1)
        case .pageUp: self.offsets.select(-page)
        case .pageDown: self.offsets.select(page)
        case .home, .char("g"): self.offsets.select(-Int(Int32.max))
        case .end, .char("G"): self.offsets.select(Int(Int32.max))
        case .enter:
            guard let snapshot = self.offsets.snapshot,
                snapshot.partitions.indices.contains(self.offsets.selectedRow)
            else { return self.openBrowse() }
            return self.openBrowse(
                topic: snapshot.topic, partitions: snapshot.partitions,
                partition: snapshot.partitions[self.offsets.selectedRow].partition)
        default: break
        }
        return []
    }
}
