@testable import KappaLog
import Testing

@Suite struct VerifiedRangesTests {
    @Test func insertMergesOverlappingAndTouchingRanges() {
        var ranges = VerifiedRanges()
        ranges.insert(10..<20)
        ranges.insert(30..<40)
        #expect(ranges.ranges == [10..<20, 30..<40])
        ranges.insert(20..<25)
        #expect(ranges.ranges == [10..<25, 30..<40])
        ranges.insert(0..<5)
        ranges.insert(24..<31)
        #expect(ranges.ranges == [0..<5, 10..<40])
        ranges.insert(3..<50)
        #expect(ranges.ranges == [0..<50])
        ranges.insert(7..<7)
        #expect(ranges.ranges == [0..<50])
    }

    @Test func containsNeedsOneRangeCoveringAll() {
        var ranges = VerifiedRanges()
        ranges.insert(10..<20)
        ranges.insert(30..<40)
        #expect(ranges.contains(10..<20))
        #expect(ranges.contains(12..<15))
        #expect(!ranges.contains(15..<25))
        #expect(!ranges.contains(5..<12))
        #expect(!ranges.contains(20..<30))
        #expect(ranges.contains(30..<31))
        #expect(!VerifiedRanges().contains(0..<1))
    }

    @Test func truncateForgetsWhatWasCut() {
        var ranges = VerifiedRanges()
        ranges.insert(0..<10)
        ranges.insert(20..<30)
        ranges.truncate(to: 25)
        #expect(ranges.ranges == [0..<10, 20..<25])
        ranges.truncate(to: 20)
        #expect(ranges.ranges == [0..<10])
    }
}
