/// The full-screen Browse view: topics → partitions → a page of records → one record.
///
/// Only one page of records is held; moving past either end of the page asks the controller for the
/// neighbouring page, so a topic of any size can be browsed.
public struct BrowseState: Equatable, Sendable {
    /// Records asked for per page.
    public static let pageSize = 100

    public enum Level: Equatable, Sendable { case topics, partitions, records, detail }

    /// Where the cursor goes when the requested page arrives.
    enum Landing: Equatable, Sendable { case first, last, offset(Int64) }

    /// A small prompt at the bottom of Browse.
    public struct Input: Equatable, Sendable {
        public enum Mode: Equatable, Sendable {
            /// `o`: jump to an offset.
            case offset
            /// `t`: jump to the first record at or after a time.
            case time
            /// `/`: show only records whose key or value contains the text.
            case filter
        }
        public var mode: Mode
        public var editor: LineEditor
    }

    public internal(set) var level: Level = .topics
    public internal(set) var topicCursor = 0
    public internal(set) var topic: String?
    public internal(set) var partitions: [PartitionSummary] = []
    public internal(set) var partitionCursor = 0
    public internal(set) var partition: Int32?
    /// The loaded page, in offset order.
    public internal(set) var records: [ConsumedMessage] = []
    /// The partition's end offset when the page was loaded.
    public internal(set) var endOffset: Int64 = 0
    /// Index into the filtered records.
    public internal(set) var recordCursor = 0
    public internal(set) var detailScroll = 0
    public internal(set) var filter = ""
    /// `x`: also list the control records (COMMIT/ABORT markers) between the records.
    public internal(set) var showMarkers = false
    public internal(set) var input: Input?
    /// A page or list has been asked for and has not arrived yet.
    public internal(set) var loading = false
    /// A one-line note, e.g. "no records at or after that time" or a bad offset.
    public internal(set) var message: String?
    var landing: Landing = .first

    public init() {}

    /// The log start offset of the browsed partition, from its summary.
    var startOffset: Int64 {
        self.partitions.first { $0.partition == self.partition }?.startOffset ?? 0
    }

    /// The page's records that match the filter (all of them without one).
    var shownRecords: [ConsumedMessage] {
        let records = self.showMarkers ? self.records : self.records.filter { $0.mark?.isMarker != true }
        guard !self.filter.isEmpty else { return records }
        let needle = self.filter.lowercased()
        return records.filter {
            BrowseFormat.cell($0.key).lowercased().contains(needle)
                || BrowseFormat.cell($0.value).lowercased().contains(needle)
        }
    }

    var selectedRecord: ConsumedMessage? {
        let shown = self.shownRecords
        return shown.indices.contains(self.recordCursor) ? shown[self.recordCursor] : nil
    }
}
