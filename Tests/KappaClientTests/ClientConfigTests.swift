import KappaClient
import Testing

@Suite struct ClientConfigTests {
    @Test func defaults() {
        let config = ClientConfig(bootstrapServers: "127.0.0.1:9092")
        #expect(config.clientId == "kappa-dashboard")
        #expect(config.properties.isEmpty)
    }
}
