import Testing

@testable import KappaBroker

@Suite struct TopicNameTests {
    @Test(arguments: ["sample", "a.b_c-D9", String(repeating: "x", count: 249)])
    func validNames(_ name: String) {
        #expect(TopicName.isValid(name))
    }

    @Test(arguments: ["", ".", "..", "has space", "slash/inside", "ünï", String(repeating: "x", count: 250)])
    func invalidNames(_ name: String) {
        #expect(!TopicName.isValid(name))
    }
}
