import Testing
@testable import KappaTUI

@Test func keysCompare() {
    #expect(Key.char("q") == .char("q"))
    #expect(Key.char("q") != .enter)
}
