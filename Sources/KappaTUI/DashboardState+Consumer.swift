/// Consumer-Term's single-letter keys and its `:` commands and `/` filter.
extension DashboardState {
    mutating func handleConsumerKey(_ key: Key) -> [DashboardEffect] {
        if self.consumer.input != nil { return self.handleConsumerInput(key) }
        let layout = self.layout
        let page = layout.contentRows(of: .consumerTerm)
        let total = self.consumer.filter.isEmpty ? self.consumer.messages.count : self.consumer.visibleLines().count
        // The farthest one can scroll back while still filling the pane.
        let maxBack = max(0, total - page)
        switch key {
        case .char("q"): return self.quit()
        case .char("?"): self.showingHelp = true
        case .char("b"): return self.openBrowse()
        case .char("p"):
            self.consumer.paused.toggle()
            return [.pauseConsumer(self.consumer.paused)]
        case .char("f"):
            self.consumer.following.toggle()
            if self.consumer.following { self.consumer.scrollBack = 0 }
        case .char("c"):
            self.consumer.clear()
        case .char("o"):
            self.consumer.showPrefix.toggle()
        case .char("d"):
            self.consumer.deserializer = self.consumer.deserializer.next
            self.statusMessage = "deserializer \(self.consumer.deserializer.rawValue)"
        case .char(":"):
            self.consumer.input = ConsumerTermState.Input(mode: .command, editor: LineEditor())
        case .char("/"):
            self.consumer.input = ConsumerTermState.Input(mode: .filter, editor: LineEditor(text: self.consumer.filter))
        case .up, .char("k"):
            self.consumer.scroll(by: min(1, maxBack - self.consumer.scrollBack), total: total)
        case .down, .char("j"):
            self.consumer.scroll(by: -1, total: total)
        case .pageUp:
            self.consumer.scroll(by: min(page, maxBack - self.consumer.scrollBack), total: total)
        case .pageDown:
            self.consumer.scroll(by: -page, total: total)
        case .home, .char("g"):
            self.consumer.scroll(by: maxBack - self.consumer.scrollBack, total: total)
        case .end, .char("G"):
            self.consumer.scroll(by: -total, total: total)
        case .escape:
            self.consumer.filter = ""
        default:
            break
        }
        return []
    }

    private mutating func handleConsumerInput(_ key: Key) -> [DashboardEffect] {
        guard var input = self.consumer.input else { return [] }
        switch key {
        case .escape:
            self.consumer.input = nil
            return []
        case .enter:
            self.consumer.input = nil
            let text = input.editor.submit().trimmingSpaces
            switch input.mode {
            case .filter:
                self.consumer.filter = text
                self.consumer.scrollBack = 0
                self.consumer.following = true
                return []
            case .command:
                return self.consumerCommand(text)
            }
        default:
            _ = input.editor.handle(key)
            self.consumer.input = input
            return []
        }
    }

    mutating func closeConsumerInput() {
        self.consumer.input = nil
    }

    /// `:group NAME`, `:topic NAME`, `:isolation LEVEL`, `:deser MODE`, `:prefix`, `:clear`.
    private mutating func consumerCommand(_ text: String) -> [DashboardEffect] {
        let words = text.split(separator: " ").map(String.init)
        guard let name = words.first?.lowercased() else { return [] }
        let arg = words.count > 1 ? words[1] : nil
        switch name {
        case "group", "g":
            guard let group = arg, words.count == 2 else {
                self.statusMessage = "group \(self.consumer.group) — :group NAME switches"
                return []
            }
            self.consumer.resubscribe(group: group, topic: self.consumer.topic)
            return [.subscribeConsumer(group: group, topic: self.consumer.topic, isolation: self.consumer.isolation)]
        case "topic", "t":
            guard let topic = arg, words.count == 2 else {
                self.statusMessage = "topic \(self.consumer.topic) — :topic NAME switches"
                return []
            }
            do {
                try CommandParser.validateTopicName(topic)
            } catch {
                self.statusMessage = (error as? CommandError)?.message ?? "bad topic name"
                return []
            }
            self.consumer.resubscribe(group: self.consumer.group, topic: topic)
            return [.subscribeConsumer(group: self.consumer.group, topic: topic, isolation: self.consumer.isolation)]
        case "isolation", "iso", "i":
            guard let level = arg.flatMap({ Self.isolationLevel($0) }), words.count == 2 else {
                self.statusMessage =
                    "isolation \(self.consumer.isolation.rawValue) — :isolation read_committed|read_uncommitted"
                return []
            }
            self.consumer.isolation = level
            self.consumer.resubscribe(group: self.consumer.group, topic: self.consumer.topic)
            self.statusMessage = "isolation → \(level.rawValue) (consumer recreated)"
            return [.subscribeConsumer(group: self.consumer.group, topic: self.consumer.topic, isolation: level)]
        case "deser", "deserializer", "d":
            guard let mode = arg.flatMap({ Deserializer(rawValue: $0.lowercased()) }) else {
                self.statusMessage = "deserializer is auto, json or string"
                return []
            }
            self.consumer.deserializer = mode
        case "prefix", "o":
            self.consumer.showPrefix.toggle()
        case "clear", "c":
            self.consumer.clear()
        default:
            self.statusMessage = "unknown command ':\(name)' (:group NAME, :topic NAME, :isolation LEVEL, :deser MODE, :prefix, :clear)"
        }
        return []
    }

    /// `read_committed`, `read_uncommitted`, or the short forms `committed`/`uncommitted`.
    static func isolationLevel(_ text: String) -> IsolationLevel? {
        switch String(text.lowercased().map { $0 == "-" ? "_" : $0 }) {
        case "read_committed", "committed", "rc": return .readCommitted
        case "read_uncommitted", "uncommitted", "ru": return .readUncommitted
        default: return nil
        }
    }
}
