/// Byte ranges of a segment whose batches passed a CRC check in this process, as sorted,
/// disjoint, non-adjacent ranges. Readers verify data found on disk at open the first time they
/// serve it; sequential consumers extend one range, so the list stays short.
struct VerifiedRanges {
    private(set) var ranges: [Range<Int64>] = []

    /// Whether `range` lies inside one verified range.
    func contains(_ range: Range<Int64>) -> Bool {
        guard let index = self.lastIndex(startingAtOrBefore: range.lowerBound) else { return false }
        return self.ranges[index].upperBound >= range.upperBound
    }

    /// Adds `range`, merging it with the ranges it overlaps or touches.
    mutating func insert(_ range: Range<Int64>) {
        guard !range.isEmpty else { return }
        var lower = range.lowerBound
        var upper = range.upperBound
        var first = self.lastIndex(startingAtOrBefore: lower).map { $0 + 1 } ?? 0
        if first > 0, self.ranges[first - 1].upperBound >= lower {
            first -= 1
            lower = self.ranges[first].lowerBound
        }
        var end = first
        while end < self.ranges.count, self.ranges[end].lowerBound <= upper {
            upper = max(upper, self.ranges[end].upperBound)
            end += 1
        }
        self.ranges.replaceSubrange(first..<end, with: [lower..<upper])
    }

    /// Forgets everything at or after `position` (the file was cut there).
    mutating func truncate(to position: Int64) {
        self.ranges = self.ranges.compactMap { range in
            range.lowerBound >= position ? nil : range.lowerBound..<min(range.upperBound, position)
        }
    }

    /// Index of the last range whose lower bound is <= `position`.
    private func lastIndex(startingAtOrBefore position: Int64) -> Int? {
        var low = 0
        var high = self.ranges.count
        while low < high {
            let middle = (low + high) / 2
            if self.ranges[middle].lowerBound <= position { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : low - 1
    }
}
