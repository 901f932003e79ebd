import KappaClient
import Testing

/// The command-line record formats: JSON lines (export/import/consume --json), kcat-style -f formats
/// and Python's json.dumps for `produce --serializer json`. Pure functions, no broker.
@Suite struct RecordCodecTests {
    static func record(
        key: [UInt8]?, value: [UInt8]?, headers: [RecordHeader] = [], timestamp: Int64 = 1_700_000_000_123
    ) -> ConsumedRecord {
        ConsumedRecord(
            topic: "t", partition: 2, offset: 41, timestamp: timestamp, key: key, value: value, headers: headers)
    }

    @Test func jsonLineOfTextRecord() {
        let line = JSONRecord(Self.record(key: Array("k1".utf8), value: Array("héllo \"q\"\n\t\u{01}".utf8))).line
        #expect(
            line == #"{"topic":"t","partition":2,"offset":41,"timestamp":1700000000123,"key":"k1","#
                + #""value":"héllo \"q\"\n\t\u0001","headers":[]}"#)
    }

    @Test func jsonLineOfBinaryNullAndEmpty() throws {
        let headers = [
            RecordHeader(key: "bin", value: [0xFF, 0xFE]), RecordHeader(key: "bin", value: Array("dup".utf8)),
            RecordHeader(key: "none", value: nil), RecordHeader(key: "empty", value: []),
        ]
        let record = Self.record(key: [0x6B, 0x00, 0xFF], value: nil, headers: headers, timestamp: -1)
        let line = JSONRecord(record).line
        #expect(
            line
                == #"{"topic":"t","partition":2,"offset":41,"timestamp":null,"key":"awD/","key_b64":true,"value":null,"#
                + #""headers":[{"key":"bin","value":"//4=","value_b64":true},{"key":"bin","value":"dup"},"#
                + #"{"key":"none","value":null},{"key":"empty","value":""}]}"#)
        let back = try JSONRecord(line: line)
        #expect(back.key == [0x6B, 0x00, 0xFF])
        #expect(back.value == nil)
        #expect(back.headers == headers)
        #expect(back.timestamp == nil)
        #expect(back.partition == 2)
    }

    /// Every byte value in keys, values and headers survives a line and back; empty stays empty.
    @Test func roundTripIsExact() throws {
        let all = (0...255).map { UInt8($0) }
        let samples: [[UInt8]?] = [
            nil, [], all, Array("plain ✓ text\r\n".utf8), [0xC3], Array("\u{2028}\u{7F}\0".utf8),
        ]
        for key in samples {
            for value in samples {
                let record = Self.record(key: key, value: value, headers: [RecordHeader(key: "h", value: value)])
                let back = try JSONRecord(line: JSONRecord(record).line)
                #expect(back == JSONRecord(record))
                #expect(back.key == key && back.value == value && back.headers.first?.value == value)
            }
        }
    }

    @Test func minimalLinesAndErrors() throws {
        let minimal = try JSONRecord(line: #"  {"key":null,"value":"v"}  "#)
        #expect(minimal.partition == nil && minimal.timestamp == nil && minimal.headers.isEmpty && minimal.key == nil)
        #expect(minimal.value == Array("v".utf8))

        func failure(_ line: String) -> String {
            do {
                _ = try JSONRecord(line: line)
                return "parsed"
            } catch {
                return "\(error)"
            }
        }
        #expect(failure("not json") == "not a JSON object")
        #expect(failure(#"{"value":"v"}"#).contains("\"key\""))
        #expect(
            failure(#"{"key":"k","value":"%%%","value_b64":true}"#) == "value is flagged base64 but is not valid base64"
        )
        #expect(failure(#"{"key":"k","value":"v","partition":"x"}"#) == "partition has the wrong type")
        #expect(failure(#"{"key":"k","value":"v","partition":-3}"#) == "partition -3 is negative")
        #expect(failure(#"{"key":"k","value":"v","headers":[{"value":"x"}]}"#) == #"headers[0]: "key" is missing"#)
    }

    @Test func kcatFormatTokens() throws {
        let record = Self.record(
            key: Array("k".utf8), value: Array("val".utf8),
            headers: [RecordHeader(key: "a", value: Array("1".utf8)), RecordHeader(key: "b", value: nil)])
        let format = try RecordFormat(#"%t|%p|%o|%T|%k|%s|%K|%S|%h|%%\n\t\\\x"#)
        #expect(
            String(decoding: format.render(record), as: UTF8.self) == "t|2|41|1700000000123|k|val|1|3|a=1,b|%\n\t\\\\x")
        let nulls = try RecordFormat("%k:%s %K %S").render(Self.record(key: nil, value: nil))
        #expect(String(decoding: nulls, as: UTF8.self) == ": -1 -1")
        #expect(try RecordFormat("%s").render(Self.record(key: nil, value: [0, 0xFF])) == [0, 0xFF])
    }

    @Test func kcatFormatErrors() {
        #expect(throws: RecordFormat.InvalidFormat.self) { try RecordFormat("%q") }
        #expect(throws: RecordFormat.InvalidFormat.self) { try RecordFormat("50%") }
    }

    /// The outputs of CPython 3's json.dumps for the same strings.
    @Test func pythonJSONDumps() {
        #expect(PythonJSON.dumps("MYID") == #""MYID""#)
        #expect(PythonJSON.dumps("Deep Pawar") == #""Deep Pawar""#)
        #expect(PythonJSON.dumps("é✓😀\n\u{7F}\t\"\\/\u{01}") == #""\u00e9\u2713\ud83d\ude00\n\u007f\t\"\\/\u0001""#)
        #expect(PythonJSON.dumps("") == #""""#)
    }
}
