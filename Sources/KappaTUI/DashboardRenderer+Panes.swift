/// Kafka-Term, Producer-Term and Consumer-Term.
extension DashboardRenderer {
    // MARK: Kafka-Term

    mutating func renderKafkaTerm(_ rect: Rect) {
        let kafka = self.state.kafka
        var details = [Span(self.state.clusterLabel, self.style(.title))]
        if kafka.scrollBack > 0 {
            details.append(Span("↑\(kafka.scrollBack) lines back (Esc: newest)", self.style(.accent)))
        }
        self.frame(rect, pane: .kafkaTerm, details: details)
        let inner = rect.inner
        guard inner.height > 0, inner.width > 0 else { return }
        let rows = inner.height - 1
        let end = kafka.lines.count - kafka.scrollBack
        let start = max(0, end - rows)
        var y = inner.y + max(0, rows - (end - start))
        if start < end {
            for line in kafka.lines[start..<end] {
                self.grid.write(spans: self.kafkaSpans(line), x: inner.x, y: y, width: inner.width)
                y += 1
            }
        }
        self.prompt(
            "kafka> ", kafka.prompt, x: inner.x, y: inner.maxY - 1, width: inner.width,
            focused: self.state.focus == .kafkaTerm && !self.state.showingHelp)
    }

    private func kafkaSpans(_ line: KafkaTermLine) -> [Span] {
        switch line.kind {
        case .log(let level, let timestamp):
            let levelRole: ThemeRole =
                switch level {
                case .trace: .logTrace
                case .debug: .logDebug
                case .info, .notice: .logInfo
                case .warning: .logWarning
                case .error, .critical: .logError
                }
            let messageRole: ThemeRole = level >= .warning ? levelRole : .text
            return [
                Span(TimeFormat.time(timestamp, utcOffsetSeconds: self.state.utcOffsetSeconds) + " ", self.style(.dim)),
                Span(level.label + " ", self.style(levelRole)),
                Span(line.text, self.style(messageRole)),
            ]
        case .command:
            return [Span("kafka> ", self.style(.prompt)), Span(line.text, self.style(.accent))]
        case .output:
            return [Span(line.text, self.style(.text))]
        case .error:
            return [Span(line.text, self.style(.error))]
        case .info:
            return [Span(line.text, self.style(.dim))]
        }
    }

    // MARK: Producer-Term

    mutating func renderProducerTerm(_ rect: Rect) {
        let producer = self.state.producer
        var details = [
            Span("topic \(self.state.topic)", self.style(.title)),
            Span(producer.serializer.rawValue, self.style(.title)),
        ]
        if producer.separator != ":" {
            details.append(Span("sep " + (producer.separator.map { "'\($0)'" } ?? "none"), self.style(.title)))
        }
        if let p = producer.partition { details.append(Span("partition \(p)", self.style(.title))) }
        if !producer.headers.isEmpty {
            details.append(
                Span("\(producer.headers.count) header" + (producer.headers.count == 1 ? "" : "s"), self.style(.title)))
        }
        if let n = producer.transactionLines {
            // First, so a narrow title cuts the settings rather than this.
            details.insert(Span("txn open · \(n) line" + (n == 1 ? "" : "s"), self.style(.accent)), at: 0)
        }
        self.frame(rect, pane: .producerTerm, details: details)
        let inner = rect.inner
        guard inner.height > 0, inner.width > 0 else { return }
        let rows = inner.height - 1
        let end = producer.lines.count - producer.scrollBack
        let start = max(0, end - rows)
        if start < end {
            let visible = producer.lines[start..<end]
            var textColumn = 0
            for line in visible {
                if case .send = line.kind { textColumn = max(textColumn, TextWidth.width(line.text)) }
            }
            textColumn = min(textColumn, inner.width * 55 / 100)
            var y = inner.y + max(0, rows - visible.count)
            for line in visible {
                self.grid.write(
                    spans: self.producerSpans(line, textColumn: textColumn), x: inner.x, y: y, width: inner.width)
                y += 1
            }
        }
        self.prompt(
            "> ", producer.prompt, x: inner.x, y: inner.maxY - 1, width: inner.width,
            focused: self.state.focus == .producerTerm && !self.state.showingHelp)
    }

    private func producerSpans(_ line: ProducerLine, textColumn: Int) -> [Span] {
        switch line.kind {
        case .note:
            return [Span(line.text, self.style(.dim))]
        case .error:
            return [Span(line.text, self.style(.error))]
        case .send(_, let status):
            let text = Span(TextWidth.pad(line.text, width: textColumn) + " ", self.style(.text))
            switch status {
            case .pending:
                return [text, Span("…", self.style(.dim))]
            case .delivered(let at):
                return [text, Span("→ \(at.topic)-\(at.partition) @ \(at.offset)", self.style(.ok))]
            case .failed(let message):
                return [text, Span("✗ " + message, self.style(.error))]
            }
        }
    }

    // MARK: Consumer-Term

    mutating func renderConsumerTerm(_ rect: Rect) {
        let consumer = self.state.consumer
        var details = [
            Span("group \(consumer.group)", self.style(.title)),
            Span(consumer.topic, self.style(.title)),
        ]
        if rect.width >= 100 { details.append(Span("from earliest", self.style(.title))) }
        if consumer.paused {
            details.append(Span("paused", self.style(.accent)))
        } else if consumer.following {
            details.append(Span("following", self.style(.title)))
        } else {
            details.append(Span("scrolled ↑\(consumer.scrollBack)", self.style(.accent)))
        }
        if consumer.deserializer != .auto { details.append(Span(consumer.deserializer.rawValue, self.style(.title))) }
        if consumer.isolation != .readCommitted {
            details.append(Span(consumer.isolation.rawValue, self.style(.accent)))
        }
        if !consumer.filter.isEmpty { details.append(Span("filter '\(consumer.filter)'", self.style(.accent))) }
        details.append(Span("\(consumer.received) msgs", self.style(.title)))
        if let error = consumer.error { details.append(Span("✗ " + error, self.style(.error))) }
        self.frame(rect, pane: .consumerTerm, details: details)
        let inner = rect.inner
        guard inner.height > 0, inner.width > 0 else { return }
        let rows = inner.height - (consumer.input == nil ? 0 : 1)
        let lines: [String]
        if consumer.filter.isEmpty {
            // Only the shown messages are formatted: the pane may hold thousands.
            let end = max(0, consumer.messages.count - consumer.scrollBack)
            let start = max(0, end - rows)
            lines = consumer.messages[start..<end].map { consumer.format($0) }
        } else {
            let all = consumer.visibleLines()
            let end = max(0, all.count - consumer.scrollBack)
            lines = Array(all[max(0, end - rows)..<end])
        }
        var y = inner.y
        for line in lines {
            self.grid.write(line, x: inner.x, y: y, width: inner.width, style: self.style(.text))
            y += 1
        }
        if lines.isEmpty && consumer.input == nil && rows > 0 {
            let hint = consumer.paused ? "paused — p resumes" : "waiting for messages on \(consumer.topic)…"
            self.grid.write(hint, x: inner.x, y: inner.y, width: inner.width, style: self.style(.dim))
        }
        if let input = consumer.input {
            self.prompt(
                input.mode == .command ? ":" : "/", input.editor, x: inner.x, y: inner.maxY - 1, width: inner.width,
                focused: self.state.focus == .consumerTerm && !self.state.showingHelp)
        }
    }
}
