/// Tiny bar charts and rate numbers for the Offsets pane.
enum Sparkline {
    static let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// The last `width` values as blocks scaled to their maximum (zero is the lowest block), right-aligned.
    static func render<C: Collection>(_ values: C, width: Int) -> String where C.Element == Double {
        guard width > 0 else { return "" }
        let recent = Array(values.suffix(width))
        let peak = recent.max() ?? 0
        var out = String(repeating: " ", count: width - recent.count)
        for v in recent {
            let level = peak > 0 ? Int((max(0, v) / peak * 7).rounded()) : 0
            out.append(Self.blocks[max(0, min(7, level))])
        }
        return out
    }

    /// "0.3/s", "12/s", "1.2k/s", "3.4M/s" (or another unit, e.g. " msg/s").
    static func rate(_ perSecond: Double, unit: String = "/s") -> String {
        let v = max(0, perSecond)
        if v >= 1_000_000 { return Self.oneDecimal(v / 1_000_000) + "M" + unit }
        if v >= 10_000 { return String(Int((v / 1000).rounded())) + "k" + unit }
        if v >= 1000 { return Self.oneDecimal(v / 1000) + "k" + unit }
        if v >= 10 { return String(Int(v.rounded())) + unit }
        return Self.oneDecimal(v) + unit
    }

    private static func oneDecimal(_ v: Double) -> String {
        let tenths = Int((v * 10).rounded())
        return String(tenths / 10) + "." + String(tenths % 10)
    }
}
