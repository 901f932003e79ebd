/// Producer-Term: sending `key:value` lines and the `:` setting commands.
extension DashboardState {
    mutating func handleProducerKey(_ key: Key) -> [DashboardEffect] {
        let page = self.layout.contentRows(of: .producerTerm)
        switch key {
        case .enter:
            return self.submitProducerLine()
        case .pageUp:
            self.producer.scroll(by: page)
        case .pageDown:
            self.producer.scroll(by: -page)
        case .escape:
            if self.producer.prompt.isEmpty { self.producer.scrollBack = 0 } else { self.producer.prompt.clear() }
        default:
            _ = self.producer.prompt.handle(key)
        }
        return []
    }

    private mutating func submitProducerLine() -> [DashboardEffect] {
        let line = self.producer.prompt.submit()
        guard !line.trimmingSpaces.isEmpty else { return [] }
        self.producer.scrollBack = 0
        if line.hasPrefix("::") { return self.send(String(line.dropFirst())) }
        if line.hasPrefix(":") { return self.producerCommand(String(line.dropFirst())) }
        return self.send(line)
    }

    /// Encodes the line with the serializer (json by default, as put.py does) and asks for it to be sent.
    private mutating func send(_ line: String) -> [DashboardEffect] {
        let (keyText, valueText) = self.producer.split(line)
        let id = self.producer.nextID
        self.producer.nextID += 1
        self.producer.append(ProducerLine(kind: .send(id: id, status: .pending), text: line))
        let command = ProduceCommand(
            id: id, topic: self.topic, partition: self.producer.partition,
            key: keyText.map { self.producer.serializer.encode($0) },
            value: self.producer.serializer.encode(valueText), headers: self.producer.headers,
            transactional: self.producer.transactionLines != nil)
        if let n = self.producer.transactionLines { self.producer.transactionLines = n + 1 }
        return [.produce(command)]
    }

    /// `:topic`, `:serializer`, `:sep`, `:partition`, `:header`, `:headers`, `:clear`, `:help`.
    private mutating func producerCommand(_ text: String) -> [DashboardEffect] {
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let name = words.first?.lowercased() else {
            self.producer.note("type :help for Producer-Term settings", isError: true)
            return []
        }
        let rest = words.dropFirst().joined(separator: " ")
        switch name {
        case "topic", "t":
            guard !rest.isEmpty else {
                self.producer.note("topic \(self.topic)")
                return []
            }
            do {
                try CommandParser.validateTopicName(rest)
            } catch {
                self.producer.note((error as? CommandError)?.message ?? "bad topic name", isError: true)
                return []
            }
            self.selectTopic(rest)
            self.producer.note("topic → \(rest)")
            return [.selectTopic(rest)]
        case "serializer", "ser", "s":
            guard let s = Serializer(rawValue: rest.lowercased()) else {
                self.producer.note(
                    rest.isEmpty ? "serializer \(self.producer.serializer.rawValue)" : "serializer is json or string",
                    isError: !rest.isEmpty)
                return []
            }
            self.producer.serializer = s
            self.producer.note("serializer → \(s.rawValue)")
        case "sep", "separator":
            // The raw text after the command, so a space can be a separator too (":sep  " is one space).
            let raw = text.drop(while: { $0 != " " }).dropFirst()
            if raw.isEmpty {
                self.producer.note("separator " + (self.producer.separator.map { "'\($0)'" } ?? "none (null keys)"))
            } else if raw == "none" || raw == "off" {
                self.producer.separator = nil
                self.producer.note("separator → none: every line is a value with a null key")
            } else {
                self.producer.separator = String(raw)
                self.producer.note("separator → '\(raw)'")
            }
        case "partition", "p":
            if rest.isEmpty {
                self.producer.note("partition " + (self.producer.partition.map(String.init) ?? "auto"))
            } else if rest == "auto" || rest == "any" {
                self.producer.partition = nil
                self.producer.note("partition → auto (by key)")
            } else if let p = Int32(rest), p >= 0 {
                self.producer.partition = p
                self.producer.note("partition → \(p)")
            } else {
                self.producer.note("partition is a number from 0 or auto, not '\(rest)'", isError: true)
            }
        case "header", "h":
            guard !rest.isEmpty else {
                self.producer.note("usage: :header KEY=VALUE (or KEY alone for a null value)", isError: true)
                return []
            }
            if let eq = rest.firstIndex(of: "=") {
                let key = String(rest[..<eq])
                let value = String(rest[rest.index(after: eq)...])
                self.producer.headers.append(HeaderPair(key: key, value: Array(value.utf8)))
            } else {
                self.producer.headers.append(HeaderPair(key: rest, value: nil))
            }
            self.producer.note("headers → " + BrowseFormat.headers(self.producer.headers))
        case "headers":
            if rest == "clear" || rest == "none" {
                self.producer.headers = []
                self.producer.note("headers cleared")
            } else {
                self.producer.note(
                    self.producer.headers.isEmpty
                        ? "no headers" : "headers " + BrowseFormat.headers(self.producer.headers))
            }
        case "txn", "transaction":
            return self.transactionCommand(rest.lowercased())
        case "clear":
            self.producer.lines.removeAll()
            self.producer.scrollBack = 0
        case "help", "?":
            for line in Self.producerHelp { self.producer.note(line) }
        default:
            self.producer.note("unknown setting ':\(name)' — :help lists them", isError: true)
        }
        return []
    }

    /// `:txn begin` opens a transaction: the lines sent until `:txn commit` or `:txn abort` go into it.
    /// The state moves at once (so the next line is already transactional); the controller reports failures.
    private mutating func transactionCommand(_ word: String) -> [DashboardEffect] {
        let open = self.producer.transactionLines
        switch word {
        case "":
            self.producer.note(
                open.map { "transaction open · \($0) line\($0 == 1 ? "" : "s") — :txn commit or :txn abort" }
                    ?? "no transaction open — :txn begin starts one")
            return []
        case "begin", "start":
            guard open == nil else {
                self.producer.note("a transaction is already open — :txn commit or :txn abort ends it", isError: true)
                return []
            }
            self.producer.transactionLines = 0
            self.producer.note("transaction begun: lines go into it until :txn commit or :txn abort")
            return [.transaction(.begin)]
        case "commit", "abort":
            guard let n = open else {
                self.producer.note("no transaction open — :txn begin starts one", isError: true)
                return []
            }
            let action: TransactionAction = word == "commit" ? .commit : .abort
            self.producer.transactionLines = nil
            self.producer.note((action == .commit ? "committing " : "aborting ") + "\(n) line\(n == 1 ? "" : "s")…")
            return [.transaction(action)]
        default:
            self.producer.note("usage: :txn begin|commit|abort", isError: true)
            return []
        }
    }

    /// Printed by `:help` in Producer-Term.
    static let producerHelp = [
        "KEY:VALUE sends to the topic; a line without the separator sends a null key; ::x sends :x",
        ":topic NAME  :serializer json|string  :sep X|none  :partition N|auto",
        ":header K=V  :headers [clear]  :clear",
        ":txn begin  then lines, then :txn commit or :txn abort (one transaction; :txn shows its state)",
    ]

    /// Makes `name` the selected topic for Offsets and Producer-Term.
    mutating func selectTopic(_ name: String) {
        guard name != self.topic else { return }
        self.topic = name
        self.offsets.reset()
    }
}
