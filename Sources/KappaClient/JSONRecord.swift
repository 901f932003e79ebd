import Foundation

/// One record as one line of JSON: the format of `kappa export` and `kappa consume --json`, read back by
/// `kappa import`.
///
///     {"topic":"t","partition":0,"offset":7,"timestamp":1700000000000,"key":"k1","value":"v","headers":[{"key":"h","value":"x"}]}
///
/// Keys, values and header values are strings when their bytes are valid UTF-8 and base64 otherwise,
/// flagged by `"key_b64":true`, `"value_b64":true` (and `"value_b64":true` inside a header); a null key,
/// value or header value is `null`, distinct from an empty string. Headers keep their order and
/// duplicates. So a line holds the record's bytes exactly, whatever they are.
public struct JSONRecord: Sendable, Equatable {
    public var topic: String?
    public var partition: Int32?
    public var offset: Int64?
    /// Milliseconds since the epoch; nil (or a negative number) when unknown.
    public var timestamp: Int64?
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [RecordHeader]

    public init(
        topic: String? = nil, partition: Int32? = nil, offset: Int64? = nil, timestamp: Int64? = nil, key: [UInt8]?,
        value: [UInt8]?, headers: [RecordHeader] = []
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.value = value
        self.headers = headers
    }

    public init(_ record: ConsumedRecord) {
        self.init(
            topic: record.topic, partition: record.partition, offset: record.offset,
            timestamp: record.timestamp >= 0 ? record.timestamp : nil, key: record.key, value: record.value,
            headers: record.headers)
    }

    /// A line that cannot be read back as a record.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The JSON object, without a newline.
    public var line: String {
        var out = "{"
        if let topic { out += "\"topic\":" + Self.quote(topic) + "," }
        if let partition { out += "\"partition\":\(partition)," }
        if let offset { out += "\"offset\":\(offset)," }
        out += "\"timestamp\":" + (self.timestamp.map { "\($0)" } ?? "null") + ","
        out += Self.field("key", self.key) + "," + Self.field("value", self.value) + ",\"headers\":["
        out += self.headers.map { "{\"key\":" + Self.quote($0.key) + "," + Self.field("value", $0.value) + "}" }
            .joined(separator: ",")
        return out + "]}"
    }

    /// Reads one line (surrounding whitespace allowed). Only `key` and `value` are required; a missing
    /// `headers` is none, a missing `partition` or `timestamp` is nil.
    public init(line: some StringProtocol) throws {
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, from: Data(line.utf8))
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw ParseError(description: Self.describe(context))
        } catch let DecodingError.keyNotFound(key, context) {
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            let name = path.hasPrefix(".") ? String(path.dropFirst()) : path
            throw ParseError(description: "\(name.isEmpty ? "" : name + ": ")\"\(key.stringValue)\" is missing")
        } catch let DecodingError.dataCorrupted(context) {
            throw ParseError(description: context.codingPath.isEmpty ? "not a JSON object" : Self.describe(context))
        } catch {
            throw ParseError(description: "not a JSON record")
        }
        guard wire.hasKey, wire.hasValue else {
            throw ParseError(description: "a record needs \"key\" and \"value\" (null for none)")
        }
        if let partition = wire.partition, partition < 0 {
            throw ParseError(description: "partition \(partition) is negative")
        }
        self.init(
            topic: wire.topic, partition: wire.partition, offset: wire.offset,
            timestamp: wire.timestamp.flatMap { $0 >= 0 ? $0 : nil },
            key: try Self.bytes(wire.key, base64: wire.keyBase64 ?? false, field: "key"),
            value: try Self.bytes(wire.value, base64: wire.valueBase64 ?? false, field: "value"),
            headers: try (wire.headers ?? []).enumerated().map { index, header in
                RecordHeader(
                    key: header.key,
                    value: try Self.bytes(
                        header.value, base64: header.valueBase64 ?? false, field: "headers[\(index)].value"))
            })
    }

    // MARK: encoding

    private static func field(_ name: String, _ bytes: [UInt8]?) -> String {
        guard let bytes else { return "\"\(name)\":null" }
        if let text = String(validating: bytes, as: UTF8.self) {
            return "\"\(name)\":" + Self.quote(text)
        }
        return "\"\(name)\":\"\(Data(bytes).base64EncodedString())\",\"\(name)_b64\":true"
    }

    /// A JSON string literal; non-ASCII characters stay as they are (the line is UTF-8).
    static func quote(_ text: String) -> String {
        JSONString.quote(text, asciiOnly: false)
    }

    // MARK: decoding

    private static func bytes(_ text: String?, base64: Bool, field: String) throws -> [UInt8]? {
        guard let text else { return nil }
        guard base64 else { return Array(text.utf8) }
        guard let data = Data(base64Encoded: text) else {
            throw ParseError(description: "\(field) is flagged base64 but is not valid base64")
        }
        return Array(data)
    }

    private static func describe(_ context: DecodingError.Context) -> String {
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        let name = path.hasPrefix(".") ? String(path.dropFirst()) : path
        return name.isEmpty ? context.debugDescription : "\(name) has the wrong type"
    }

    /// The line as JSON has it; `hasKey` tells a missing "key" from `"key": null`.
    private struct Wire: Decodable {
        var topic: String?
        var partition: Int32?
        var offset: Int64?
        var timestamp: Int64?
        var key: String?
        var keyBase64: Bool?
        var value: String?
        var valueBase64: Bool?
        var headers: [Header]?
        var hasKey: Bool
        var hasValue: Bool

        struct Header: Decodable {
            var key: String
            var value: String?
            var valueBase64: Bool?

            enum CodingKeys: String, CodingKey {
                case key, value
                case valueBase64 = "value_b64"
            }
        }

        enum CodingKeys: String, CodingKey {
            case topic, partition, offset, timestamp, key, value, headers
            case keyBase64 = "key_b64"
            case valueBase64 = "value_b64"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.topic = try container.decodeIfPresent(String.self, forKey: .topic)
            self.partition = try container.decodeIfPresent(Int32.self, forKey: .partition)
            self.offset = try container.decodeIfPresent(Int64.self, forKey: .offset)
            self.timestamp = try container.decodeIfPresent(Int64.self, forKey: .timestamp)
            self.key = try container.decodeIfPresent(String.self, forKey: .key)
            self.keyBase64 = try container.decodeIfPresent(Bool.self, forKey: .keyBase64)
            self.value = try container.decodeIfPresent(String.self, forKey: .value)
            self.valueBase64 = try container.decodeIfPresent(Bool.self, forKey: .valueBase64)
            self.headers = try container.decodeIfPresent([Header].self, forKey: .headers)
            self.hasKey = container.contains(.key)
            self.hasValue = container.contains(.value)
        }
    }
}
