import Foundation

/// One line of the report: what was measured, the figure and its unit.
struct Figure {
    var name: String
    var value: Double
    var unit: String

    /// Throughput from nanoseconds per operation of `bytes` bytes each: 10^9 bytes per second.
    static func gigabytesPerSecond(_ name: String, nanoseconds: Double, bytes: Int) -> Figure {
        Figure(name: name, value: Double(bytes) / nanoseconds, unit: "GB/s")
    }

    /// Throughput from nanoseconds per operation of `bytes` bytes each: 10^6 bytes per second.
    static func megabytesPerSecond(_ name: String, nanoseconds: Double, bytes: Int) -> Figure {
        Figure(name: name, value: Double(bytes) / nanoseconds * 1_000, unit: "MB/s")
    }

    static func nanoseconds(_ name: String, _ value: Double, per operation: String = "op") -> Figure {
        Figure(name: name, value: value, unit: "ns/\(operation)")
    }

    var formattedValue: String {
        let decimals = self.value >= 100 ? 0 : self.value >= 10 ? 1 : 2
        return String(format: "%.\(decimals)f", self.value)
    }
}

func padded(_ text: String, _ width: Int, left: Bool = false) -> String {
    let padding = String(repeating: " ", count: max(0, width - text.count))
    return left ? padding + text : text + padding
}
