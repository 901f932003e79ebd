/// A kcat-style output format (`-f`): literal text with tokens replaced per record.
///
///     %t topic   %p partition   %o offset   %T timestamp (ms, -1 when unknown)
///     %k key     %s value       %K key length   %S value length (-1 for null)
///     %h headers as name=value,name=value   %%  a percent sign
///     \n newline   \r carriage return   \t tab   \\ backslash
///
/// Keys, values and header values are written as their raw bytes; null ones as nothing.
public struct RecordFormat: Sendable, Equatable {
    enum Piece: Sendable, Equatable {
        case literal([UInt8])
        case topic, partition, offset, timestamp, key, value, keyLength, valueLength, headers
    }

    /// A format string with an unknown token or a dangling `%`.
    public struct InvalidFormat: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    let pieces: [Piece]

    public init(_ format: String) throws {
        var pieces: [Piece] = []
        var literal: [UInt8] = []
        func flush() {
            if !literal.isEmpty { pieces.append(.literal(literal)) }
            literal = []
        }
        var iterator = Array(format.utf8).makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let token = iterator.next() else {
                    throw InvalidFormat(description: "format ends with a lone '%' (write %% for a percent sign)")
                }
                let piece: Piece
                switch token {
                case UInt8(ascii: "%"):
                    literal.append(token)
                    continue
                case UInt8(ascii: "t"): piece = .topic
                case UInt8(ascii: "p"): piece = .partition
                case UInt8(ascii: "o"): piece = .offset
                case UInt8(ascii: "T"): piece = .timestamp
                case UInt8(ascii: "k"): piece = .key
                case UInt8(ascii: "s"): piece = .value
                case UInt8(ascii: "K"): piece = .keyLength
                case UInt8(ascii: "S"): piece = .valueLength
                case UInt8(ascii: "h"): piece = .headers
                default:
                    throw InvalidFormat(
                        description: "unknown format token %\(String(decoding: [token], as: UTF8.self)) "
                            + "(known: %t %p %o %T %k %s %K %S %h %%)")
                }
                flush()
                pieces.append(piece)
            case UInt8(ascii: "\\"):
                switch iterator.next() {
                case UInt8(ascii: "n"): literal.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "t"): literal.append(UInt8(ascii: "\t"))
                case UInt8(ascii: "r"): literal.append(UInt8(ascii: "\r"))
                case UInt8(ascii: "\\"): literal.append(UInt8(ascii: "\\"))
                case let other?: literal += [byte, other]
                case nil: literal.append(byte)
                }
            default:
                literal.append(byte)
            }
        }
        flush()
        self.pieces = pieces
    }

    /// The bytes to write for one record.
    public func render(_ record: ConsumedRecord) -> [UInt8] {
        var out: [UInt8] = []
        for piece in self.pieces {
            switch piece {
            case .literal(let bytes): out += bytes
            case .topic: out += Array(record.topic.utf8)
            case .partition: out += Array("\(record.partition)".utf8)
            case .offset: out += Array("\(record.offset)".utf8)
            case .timestamp: out += Array("\(record.timestamp)".utf8)
            case .key: out += record.key ?? []
            case .value: out += record.value ?? []
            case .keyLength: out += Array("\(record.key.map(\.count) ?? -1)".utf8)
            case .valueLength: out += Array("\(record.value.map(\.count) ?? -1)".utf8)
            case .headers:
                for (index, header) in record.headers.enumerated() {
                    if index > 0 { out.append(UInt8(ascii: ",")) }
                    out += Array(header.key.utf8)
                    if let value = header.value { out += [UInt8(ascii: "=")] + value }
                }
            }
        }
        return out
    }
}
