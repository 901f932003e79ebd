/// A rectangle of cells; layouts are computed as these and then drawn.
struct Rect: Equatable, Sendable {
    var x: Int
    var y: Int
    var width: Int
    var height: Int

    init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    static let zero = Rect(x: 0, y: 0, width: 0, height: 0)

    var maxX: Int { self.x + self.width }
    var maxY: Int { self.y + self.height }
    var isEmpty: Bool { self.width <= 0 || self.height <= 0 }

    /// The area inside a one-cell border.
    var inner: Rect { Rect(x: self.x + 1, y: self.y + 1, width: self.width - 2, height: self.height - 2) }

    func clipped(width: Int, height: Int) -> Rect {
        let x0 = max(0, self.x)
        let y0 = max(0, self.y)
        let x1 = min(width, self.maxX)
        let y1 = min(height, self.maxY)
        return Rect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }

    /// A rectangle of the given size centred in this one.
    func centered(width: Int, height: Int) -> Rect {
        let w = min(width, self.width)
        let h = min(height, self.height)
        return Rect(x: self.x + (self.width - w) / 2, y: self.y + (self.height - h) / 2, width: w, height: h)
    }
}
