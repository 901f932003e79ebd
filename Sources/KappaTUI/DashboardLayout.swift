/// Where each pane goes for a terminal size: panes side by side when wide, stacked otherwise.
///
/// Both the renderer and the reducer (for page sizes) use it, so PgUp moves by what is on screen.
struct DashboardLayout: Equatable, Sendable {
    /// Below this, no pane can show a line of content; the renderer shows a message instead.
    static let minWidth = 60
    static let minHeight = 16

    var width: Int
    var height: Int
    var tooSmall: Bool
    var kafka = Rect.zero
    var offsets = Rect.zero
    var producer = Rect.zero
    var consumer = Rect.zero
    var hintBar = Rect.zero
    /// Offsets shown as a one-line summary without a border (small terminals).
    var offsetsFolded = false
    /// Panes side by side (wide) rather than stacked.
    var wide = false

    /// `partitionCount` sizes the Offsets pane to its table when there is room.
    init(width: Int, height: Int, partitionCount: Int = 1) {
        self.width = width
        self.height = height
        self.tooSmall = width < Self.minWidth || height < Self.minHeight
        guard !self.tooSmall else { return }
        self.hintBar = Rect(x: 0, y: height - 1, width: width, height: 1)
        let available = height - 1
        let offsetsWanted = max(1, partitionCount) + 4  // border, header, rows, total
        if width >= 100 && height >= 24 {
            self.wide = true
            let consumerHeight = max(5, available / 3)
            let topHeight = available - consumerHeight
            let leftWidth = width * 52 / 100
            let rightWidth = width - leftWidth
            let offsetsHeight = max(5, min(offsetsWanted, topHeight / 2))
            self.kafka = Rect(x: 0, y: 0, width: leftWidth, height: topHeight)
            self.offsets = Rect(x: leftWidth, y: 0, width: rightWidth, height: offsetsHeight)
            self.producer = Rect(x: leftWidth, y: offsetsHeight, width: rightWidth, height: topHeight - offsetsHeight)
            self.consumer = Rect(x: 0, y: topHeight, width: width, height: consumerHeight)
        } else {
            self.offsetsFolded = height < 32
            let offsetsHeight = self.offsetsFolded ? 1 : max(5, min(offsetsWanted, available / 4))
            let rest = available - offsetsHeight
            let kafkaHeight = max(5, rest * 3 / 8)
            let producerHeight = max(4, rest * 2 / 8)
            let consumerHeight = rest - kafkaHeight - producerHeight
            var y = 0
            self.kafka = Rect(x: 0, y: y, width: width, height: kafkaHeight)
            y += kafkaHeight
            self.offsets = Rect(x: 0, y: y, width: width, height: offsetsHeight)
            y += offsetsHeight
            self.producer = Rect(x: 0, y: y, width: width, height: producerHeight)
            y += producerHeight
            self.consumer = Rect(x: 0, y: y, width: width, height: consumerHeight)
        }
    }

    func rect(of pane: Pane) -> Rect {
        switch pane {
        case .kafkaTerm: self.kafka
        case .offsets: self.offsets
        case .producerTerm: self.producer
        case .consumerTerm: self.consumer
        }
    }

    /// Lines of scrollable content a pane shows (its inner height less a prompt line where it has one).
    func contentRows(of pane: Pane) -> Int {
        let inner = self.rect(of: pane).inner.height
        switch pane {
        case .kafkaTerm, .producerTerm: return max(1, inner - 1)
        case .offsets: return max(1, inner - 2)
        case .consumerTerm: return max(1, inner)
        }
    }

    /// Rows of records Browse shows (full screen less border, header and hint bar).
    var browseRows: Int { max(1, self.height - 1 - 3) }
}
