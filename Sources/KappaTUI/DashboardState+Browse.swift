/// Browse: opening it, moving between its levels, paging records, and its `o`, `t` and `/` prompts.
extension DashboardState {
    /// Opens Browse on the selected topic's partitions (Esc goes up to the topic list).
    mutating func openBrowse() -> [DashboardEffect] {
        var browse = BrowseState()
        browse.level = .partitions
        browse.topic = self.topic
        browse.loading = true
        browse.topicCursor = self.topics.firstIndex(of: self.topic) ?? 0
        self.browse = browse
        return [.browse(.partitions(topic: self.topic)), .browse(.topics)]
    }

    /// Opens Browse directly on one partition's first page (from the Offsets pane).
    mutating func openBrowse(topic: String, partitions: [PartitionSummary], partition: Int32) -> [DashboardEffect] {
        var browse = BrowseState()
        browse.topic = topic
        browse.topicCursor = self.topics.firstIndex(of: topic) ?? 0
        browse.partitions = partitions
        browse.partitionCursor = partitions.firstIndex { $0.partition == partition } ?? 0
        self.browse = browse
        return self.enterPartition(partition)
    }

    private mutating func enterPartition(_ partition: Int32) -> [DashboardEffect] {
        guard var browse = self.browse, browse.topic != nil else { return [] }
        browse.level = .records
        browse.partition = partition
        browse.records = []
        browse.filter = ""
        browse.recordCursor = 0
        self.browse = browse
        return self.loadPage(from: browse.startOffset, landing: .first)
    }

    private mutating func loadPage(from offset: Int64, landing: BrowseState.Landing) -> [DashboardEffect] {
        guard var browse = self.browse, let topic = browse.topic, let partition = browse.partition else { return [] }
        browse.loading = true
        browse.landing = landing
        browse.message = nil
        self.browse = browse
        return [
            .browse(
                .records(topic: topic, partition: partition, fromOffset: max(0, offset), count: BrowseState.pageSize))
        ]
    }

    mutating func handleBrowseKey(_ key: Key) -> [DashboardEffect] {
        guard var browse = self.browse else { return [] }
        if browse.input != nil { return self.handleBrowseInput(key) }
        switch key {
        case .char("q"): return self.quit()
        case .char("?"), .function(1):
            self.showingHelp = true
            return []
        case .function(2):
            self.browse = nil
            return []
        default: break
        }
        let rows = self.layout.browseRows
        switch browse.level {
        case .topics:
            switch key {
            case .up, .char("k"): browse.topicCursor = max(0, browse.topicCursor - 1)
            case .down, .char("j"): browse.topicCursor = min(max(0, self.topics.count - 1), browse.topicCursor + 1)
            case .pageUp: browse.topicCursor = max(0, browse.topicCursor - rows)
            case .pageDown: browse.topicCursor = min(max(0, self.topics.count - 1), browse.topicCursor + rows)
            case .home, .char("g"): browse.topicCursor = 0
            case .end, .char("G"): browse.topicCursor = max(0, self.topics.count - 1)
            case .char("r"):
                self.browse = browse
                return [.browse(.topics)]
            case .enter, .right, .char("l"):
                guard self.topics.indices.contains(browse.topicCursor) else { break }
                let topic = self.topics[browse.topicCursor]
                browse.topic = topic
                browse.level = .partitions
                browse.partitions = []
                browse.partitionCursor = 0
                browse.loading = true
                self.browse = browse
                return [.browse(.partitions(topic: topic))]
            case .escape, .left, .char("h"):
                self.browse = nil
                return []
            default: break
            }
        case .partitions:
            let last = max(0, browse.partitions.count - 1)
            switch key {
            case .up, .char("k"): browse.partitionCursor = max(0, browse.partitionCursor - 1)
            case .down, .char("j"): browse.partitionCursor = min(last, browse.partitionCursor + 1)
            case .pageUp: browse.partitionCursor = max(0, browse.partitionCursor - rows)
            case .pageDown: browse.partitionCursor = min(last, browse.partitionCursor + rows)
            case .home, .char("g"): browse.partitionCursor = 0
            case .end, .char("G"): browse.partitionCursor = last
            case .char("r"):
                if let topic = browse.topic {
                    self.browse = browse
                    return [.browse(.partitions(topic: topic))]
                }
            case .enter, .right, .char("l"):
                guard browse.partitions.indices.contains(browse.partitionCursor) else { break }
                self.browse = browse
                return self.enterPartition(browse.partitions[browse.partitionCursor].partition)
            case .escape, .left, .char("h"):
                browse.level = .topics
                browse.loading = true
                self.browse = browse
                return [.browse(.topics)]
            default: break
            }
        case .records:
            return self.handleRecordsKey(key, rows: rows)
        case .detail:
            switch key {
            case .up, .char("k"): browse.detailScroll = max(0, browse.detailScroll - 1)
            case .down, .char("j"): browse.detailScroll += 1
            case .pageUp: browse.detailScroll = max(0, browse.detailScroll - rows)
            case .pageDown: browse.detailScroll += rows
            case .home, .char("g"): browse.detailScroll = 0
            case .escape, .left, .char("h"), .enter, .backspace:
                browse.level = .records
            case .char("n"), .char("]"):
                browse.recordCursor = min(max(0, browse.shownRecords.count - 1), browse.recordCursor + 1)
                browse.detailScroll = 0
            case .char("N"), .char("["):
                browse.recordCursor = max(0, browse.recordCursor - 1)
                browse.detailScroll = 0
            default: break
            }
        }
        self.browse = browse
        return []
    }

    private mutating func handleRecordsKey(_ key: Key, rows: Int) -> [DashboardEffect] {
        guard var browse = self.browse else { return [] }
        let shown = browse.shownRecords
        let start = browse.startOffset
        let firstOffset = browse.records.first?.offset
        let lastOffset = browse.records.last?.offset
        let hasPrevious = (firstOffset ?? start) > start
        let hasNext = (lastOffset.map { $0 + 1 } ?? browse.endOffset) < browse.endOffset
        func previousPage() -> [DashboardEffect] {
            guard hasPrevious, !browse.loading, let first = firstOffset else { return [] }
            self.browse = browse
            return self.loadPage(from: max(start, first - Int64(BrowseState.pageSize)), landing: .last)
        }
        func nextPage() -> [DashboardEffect] {
            guard hasNext, !browse.loading, let last = lastOffset else { return [] }
            self.browse = browse
            return self.loadPage(from: last + 1, landing: .first)
        }
        switch key {
        case .up, .char("k"):
            if browse.recordCursor > 0 { browse.recordCursor -= 1 } else { return previousPage() }
        case .down, .char("j"):
            if browse.recordCursor + 1 < shown.count { browse.recordCursor += 1 } else { return nextPage() }
        case .pageUp:
            if browse.recordCursor > 0 {
                browse.recordCursor = max(0, browse.recordCursor - rows)
            } else {
                return previousPage()
            }
        case .pageDown:
            if browse.recordCursor + 1 < shown.count {
                browse.recordCursor = min(shown.count - 1, browse.recordCursor + rows)
            } else {
                return nextPage()
            }
        case .home, .char("g"):
            if hasPrevious {
                self.browse = browse
                return self.loadPage(from: start, landing: .first)
            }
            browse.recordCursor = 0
        case .end, .char("G"):
            if hasNext {
                self.browse = browse
                return self.loadPage(from: max(start, browse.endOffset - Int64(BrowseState.pageSize)), landing: .last)
            }
            browse.recordCursor = max(0, shown.count - 1)
        case .char("x"):
            // Keep the cursor on the same record when the markers appear or go.
            let current = browse.selectedRecord?.offset
            browse.showMarkers.toggle()
            if let current, let index = browse.shownRecords.firstIndex(where: { $0.offset >= current }) {
                browse.recordCursor = index
            } else {
                browse.recordCursor = min(browse.recordCursor, max(0, browse.shownRecords.count - 1))
            }
            browse.message = browse.showMarkers ? "showing transaction markers (COMMIT/ABORT)" : "markers hidden"
        case .char("r"):
            self.browse = browse
            return self.loadPage(from: firstOffset ?? start, landing: .first)
        case .enter, .right, .char("l"):
            if browse.selectedRecord != nil {
                browse.level = .detail
                browse.detailScroll = 0
            }
        case .char("o"):
            browse.input = BrowseState.Input(mode: .offset, editor: LineEditor())
        case .char("t"):
            browse.input = BrowseState.Input(mode: .time, editor: LineEditor())
        case .char("/"):
            browse.input = BrowseState.Input(mode: .filter, editor: LineEditor(text: browse.filter))
        case .escape where !browse.filter.isEmpty:
            browse.filter = ""
            browse.recordCursor = 0
        case .escape, .left, .char("h"):
            browse.level = .partitions
            browse.records = []
            browse.filter = ""
            browse.message = nil
            self.browse = browse
            if let topic = browse.topic { return [.browse(.partitions(topic: topic))] }
            return []
        default:
            break
        }
        self.browse = browse
        return []
    }

    private mutating func handleBrowseInput(_ key: Key) -> [DashboardEffect] {
        guard var browse = self.browse, var input = browse.input else { return [] }
        switch key {
        case .escape:
            browse.input = nil
            self.browse = browse
            return []
        case .enter:
            browse.input = nil
            let text = input.editor.submit().trimmingSpaces
            switch input.mode {
            case .filter:
                browse.filter = text
                browse.recordCursor = 0
                self.browse = browse
                return []
            case .offset:
                guard let offset = Int64(text), offset >= 0 else {
                    browse.message = "'\(text)' is not an offset"
                    self.browse = browse
                    return []
                }
                self.browse = browse
                return self.loadPage(from: offset, landing: .offset(offset))
            case .time:
                guard let topic = browse.topic, let partition = browse.partition,
                    let ms = Int64(text) ?? TimeFormat.parse(text, utcOffsetSeconds: self.utcOffsetSeconds)
                else {
                    browse.message = "'\(text)' is not a time like 2026-11-24T19:21:00 or milliseconds"
                    self.browse = browse
                    return []
                }
                browse.loading = true
                browse.landing = .first
                browse.message = nil
                self.browse = browse
                return [
                    .browse(
                        .recordsAtTime(topic: topic, partition: partition, timestamp: ms, count: BrowseState.pageSize))
                ]
            }
        default:
            _ = input.editor.handle(key)
            browse.input = input
            self.browse = browse
            return []
        }
    }
}

extension BrowseState {
    /// Takes a loaded page and puts the cursor where the key that asked for it wanted it.
    mutating func receive(records: [ConsumedMessage], endOffset: Int64) {
        self.records = records.sorted { $0.offset < $1.offset }
        self.endOffset = endOffset
        self.loading = false
        self.level = self.level == .detail ? .detail : .records
        let shown = self.shownRecords
        switch self.landing {
        case .first:
            self.recordCursor = 0
        case .last:
            self.recordCursor = max(0, shown.count - 1)
        case .offset(let target):
            self.recordCursor = shown.firstIndex { $0.offset >= target } ?? max(0, shown.count - 1)
        }
        if records.isEmpty {
            self.message = endOffset == 0 ? "the partition is empty" : "no records there (end offset \(endOffset))"
        } else {
            self.message = nil
        }
    }
}
