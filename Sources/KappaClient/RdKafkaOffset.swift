/// librdkafka's logical offsets: C macros that do not import into Swift.
enum RdKafkaOffset {
    static let beginning: Int64 = -2
    static let end: Int64 = -1
    static let stored: Int64 = -1000
    static let invalid: Int64 = -1001
}
