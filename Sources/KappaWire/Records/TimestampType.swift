/// Bit 3 of a batch's attributes: whether timestamps came from the producer or the broker.
public enum TimestampType: Int8, Sendable, Equatable {
    case createTime = 0
    case logAppendTime = 1
}
