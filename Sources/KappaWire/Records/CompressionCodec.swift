/// The codec in bits 0-2 of a batch's attributes. The broker never decompresses for storage;
/// it only needs to know the codec to refuse decoding records it cannot read.
public enum CompressionCodec: Int16, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    case none = 0
    case gzip = 1
    case snappy = 2
    case lz4 = 3
    case zstd = 4

    public var description: String {
        switch self {
        case .none: return "none"
        case .gzip: return "gzip"
        case .snappy: return "snappy"
        case .lz4: return "lz4"
        case .zstd: return "zstd"
        }
    }
}
