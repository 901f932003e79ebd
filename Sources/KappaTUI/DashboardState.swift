/// Everything the dashboard shows, and the reducer that changes it.
///
/// The controller owns one value, feeds it keys (`handle`) and events (`apply`), performs the returned
/// effects, and renders it with `renderDashboard` whenever it changed. No I/O happens here, so every
/// behaviour is a unit test away.
public struct DashboardState: Equatable, Sendable {
    public internal(set) var focus: Pane = .kafkaTerm
    /// Shown in Kafka-Term's title, e.g. "broker 127.0.0.1:9092 · data ./kappa-data".
    public internal(set) var clusterLabel: String
    /// The selected topic: Offsets and Producer-Term use it.
    public internal(set) var topic: String
    /// Known topics, from `.topics` events.
    public internal(set) var topics: [String] = []
    /// Known groups, from `.groups` events.
    public internal(set) var groups: [String] = []
    public internal(set) var kafka = KafkaTermState()
    public internal(set) var producer = ProducerTermState()
    public internal(set) var consumer: ConsumerTermState
    public internal(set) var offsets = OffsetsState()
    /// Non-nil while Browse fills the screen.
    public internal(set) var browse: BrowseState?
    public internal(set) var showingHelp = false
    /// A transient message on the hint bar; the next key clears it.
    public internal(set) var statusMessage: String?
    /// Set by `q` (where no prompt has focus) and Ctrl-C; the controller then shuts down.
    public internal(set) var wantsQuit = false
    /// The terminal size last reported with `resize(width:height:)`, for page sizes.
    public internal(set) var screenWidth = 120
    public internal(set) var screenHeight = 40
    /// Local time zone offset for timestamps shown and typed (`--to-datetime`, Browse `t`); the controller sets
    /// it from the system's zone so rendering needs no time zone database.
    public var utcOffsetSeconds = 0

    /// `isolation` is Consumer-Term's first level (e.g. from `-X isolation.level=...`); `:isolation` changes it.
    public init(
        clusterLabel: String, topic: String, consumerGroup: String, isolation: IsolationLevel = .readCommitted
    ) {
        self.clusterLabel = clusterLabel
        self.topic = topic
        self.consumer = ConsumerTermState(group: consumerGroup, topic: topic)
        self.consumer.isolation = isolation
    }

    /// What the controller should do once at start: select the topic and start Consumer-Term's consumer.
    public var startupEffects: [DashboardEffect] {
        [.selectTopic(self.topic), .subscribeConsumer(
            group: self.consumer.group, topic: self.consumer.topic, isolation: self.consumer.isolation)]
    }

    /// Records the terminal size so paging keys move by a screenful; call it on start and on every resize.
    public mutating func resize(width: Int, height: Int) {
        self.screenWidth = max(0, width)
        self.screenHeight = max(0, height)
    }

    var layout: DashboardLayout {
        DashboardLayout(
            width: self.screenWidth, height: self.screenHeight,
            partitionCount: self.offsets.snapshot?.partitions.count ?? 1)
    }

    /// Whether printable keys go to a text input right now (so `q` types instead of quitting).
    public var promptHasFocus: Bool {
        if let browse { return browse.input != nil }
        if self.showingHelp { return false }
        if self.focus == .consumerTerm { return self.consumer.input != nil }
        return self.focus.hasPrompt
    }

    // MARK: events

    /// Applies what the controller learned; never produces effects.
    public mutating func apply(_ event: DashboardEvent) {
        switch event {
        case .log(let line):
            self.kafka.append(KafkaTermLine(kind: .log(line.level, timestamp: line.timestamp), text: line.message))
        case .adminResult(let command, let lines, let isError):
            if lines.isEmpty {
                self.kafka.append(
                    KafkaTermLine(kind: isError ? .error : .info, text: isError ? "\(command): failed" : "(no output)"))
            }
            for line in lines {
                // Multi-line strings are split so each becomes a scrollback line.
                for part in line.split(separator: "\n", omittingEmptySubsequences: false) {
                    self.kafka.append(KafkaTermLine(kind: isError ? .error : .output, text: String(part)))
                }
            }
        case .produced(let id, let result):
            self.producer.deliver(id: id, result: result)
        case .consumed(let messages):
            self.consumer.append(messages)
        case .offsets(let snapshot):
            // A snapshot of a topic no longer selected (in flight during a switch) is dropped.
            guard snapshot.topic == self.topic else { return }
            self.offsets.apply(snapshot)
        case .topics(let names):
            self.topics = names.sorted()
            if var browse, browse.level == .topics {
                browse.loading = false
                browse.topicCursor = min(browse.topicCursor, max(0, self.topics.count - 1))
                self.browse = browse
            }
        case .groups(let names):
            self.groups = names.sorted()
        case .browsePartitions(let topic, let partitions):
            guard var browse, browse.topic == topic else { return }
            browse.partitions = partitions.sorted { $0.partition < $1.partition }
            browse.partitionCursor = min(browse.partitionCursor, max(0, browse.partitions.count - 1))
            if browse.level == .partitions { browse.loading = false }
            self.browse = browse
        case .browsePage(let topic, let partition, let records, let endOffset):
            guard var browse, browse.topic == topic, browse.partition == partition else { return }
            browse.receive(records: records, endOffset: endOffset)
            self.browse = browse
        case .status(let text):
            self.statusMessage = text
        case .cluster(let label):
            self.clusterLabel = label
        case .transactionDone(let action, let error):
            self.producer.transactionDone(action, error: error)
        case .consumerState(let group, let topic, let error):
            guard group == self.consumer.group, topic == self.consumer.topic else { return }
            self.consumer.error = error
        }
    }
}
