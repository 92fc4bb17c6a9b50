import Foundation
import InfluxClient
import Testing

/// A JSON value rebuilt from events, or from Foundation's parser, so the two can be compared.
private indirect enum Tree: Equatable {
    case object([String: Tree]), array([Tree]), string(String), number(Double), bool(Bool), null

    init(foundation value: Any) {
        switch value {
        case let dictionary as [String: Any]: self = .object(dictionary.mapValues(Tree.init(foundation:)))
        case let array as [Any]: self = .array(array.map(Tree.init(foundation:)))
        case let text as String: self = .string(text)
        case let number as NSNumber where String(cString: number.objCType) == "c": self = .bool(number.boolValue)
        case let number as NSNumber: self = .number(number.doubleValue)
        default: self = .null
        }
    }

    /// The values the events describe, one per top-level value.
    static func values(from events: [JSONEvent]) -> [Tree] {
        var index = 0
        func value() -> Tree {
            let event = events[index]
            index += 1
            switch event {
            case .objectStart:
                var members: [String: Tree] = [:]
                while case .key(let key) = events[index] {
                    index += 1
                    members[key] = value()
                }
                index += 1
                return .object(members)
            case .arrayStart:
                var elements: [Tree] = []
                while events[index] != .arrayEnd { elements.append(value()) }
                index += 1
                return .array(elements)
            case .string(let text): return .string(text)
            case .number(let number): return .number(number)
            case .bool(let flag): return .bool(flag)
            default: return .null
            }
        }
        var values: [Tree] = []
        while index < events.count { values.append(value()) }
        return values
    }
}

/// Parses `text` fed in pieces of `chunk` bytes.
private func events(_ text: String, chunk: Int = .max) throws(JSONStreamError) -> [JSONEvent] {
    var parser = JSONStreamParser(maxTokenBytes: 64, maxDepth: 8)
    var events: [JSONEvent] = []
    let bytes = Array(text.utf8)
    var start = 0
    while start < bytes.count {
        let end = min(bytes.count, start + chunk)
        try parser.feed(Array(bytes[start..<end])) { events.append($0) }
        start = end
    }
    try parser.finish { events.append($0) }
    return events
}

@Suite struct JSONStreamParserTests {
    static let documents = [
        #"{"results":[{"statement_id":0,"series":[{"name":"soil_moisture","tags":{"device_id":"01"},"columns":["time","mean"],"values":[[1700000000000,44.5],[1700003600000,null]]}]}]}"#,
        #"{"a":"q\"uo\\te\/ \u00e9\ud83c\udf31 \n\t\b\f\r","b":[true,false,null,[],{}],"c":-0.5e-3,"d":0,"e":1E+2}"#,
        #"  [ 1 , -2.25 , "x" , [ [ ] ] , { "k" : { } } ]  "#,
        #"{"time":"2026-12-02T10:00:00","device_id":"01","mean":44.5}"#,
    ]

    /// Whatever the chunk boundaries, the events describe what Foundation reads from the same text.
    @Test(arguments: documents, [1, 2, 3, 7, Int.max])
    func chunksOfAnySizeGiveTheSameValueAsFoundation(document: String, chunk: Int) throws {
        let expected = Tree(foundation: try JSONSerialization.jsonObject(with: Data(document.utf8)))
        #expect(Tree.values(from: try events(document, chunk: chunk)) == [expected])
    }

    /// JSON Lines: one value per line, and a number the stream ends on is complete.
    @Test func valuesFollowOneAnotherAsInJSONLines() throws {
        let lines = Self.documents.joined(separator: "\n") + "\n42"
        let values = Tree.values(from: try events(lines, chunk: 5))
        #expect(values.count == Self.documents.count + 1 && values.last == Tree.number(42))
    }

    @Test(arguments: [
        (#"{"a":1,}"#, "unexpected '}'"), (#"{"a" 1}"#, "byte 5: unexpected '1'"), (#"[01]"#, "not a value: 01"),
        (#"[1.]"#, "not a value: 1."), (#"["\x"]"#, "invalid escape"), (#"["\ud83c"]"#, "invalid escape"),
        ("[\"tab\there\"]", "control character"), (#"{"a":[1,2"#, "ends inside a value"), (#"[tru]"#, "not a value"),
        (#"{"a":1}}"#, "unexpected '}'"), (#"["a":1]"#, "unexpected ':'"),
    ])
    func malformedTextIsReportedWithItsReason(text: String, reason: String) {
        for chunk in [1, Int.max] {
            #expect(throws: JSONStreamError.self) { try events(text, chunk: chunk) }
            do {
                _ = try events(text, chunk: chunk)
            } catch {
                #expect(error.description.contains(reason), "\(text): \(error)")
            }
        }
    }

    @Test func limitsOnTokensAndDepthAreKept() {
        #expect(throws: JSONStreamError.tokenTooLong(limit: 64)) {
            try events("[\"" + String(repeating: "x", count: 65) + "\"]", chunk: 10)
        }
        #expect(throws: JSONStreamError.tokenTooLong(limit: 64)) {
            try events("[" + String(repeating: "1", count: 65) + "]")
        }
        #expect(throws: JSONStreamError.tooDeep(limit: 8)) { try events(String(repeating: "[", count: 9)) }
        #expect((try? events(String(repeating: "[", count: 8) + String(repeating: "]", count: 8))) != nil)
    }
}

@Suite struct InfluxQLAnswerReaderTests {
    private func read(_ text: String, chunk: Int) throws -> ([InfluxQLEvent], String?) {
        var reader = InfluxQLAnswerReader()
        var read: [InfluxQLEvent] = []
        for event in try events(text, chunk: chunk) { reader.add(event) { read.append($0) } }
        return (read, reader.error)
    }

    /// Two statements, two series with tags, a row with a null, and keys InfluxDB adds that mean nothing here.
    @Test(arguments: [1, 9, Int.max]) func seriesAndRowsArriveInOrder(chunk: Int) throws {
        let answer =
            #"{"results":[{"statement_id":0,"series":[{"name":"soil_moisture","tags":{"device_id":"01"},"#
            + #""columns":["time","mean"],"values":[[1000,44.5],[2000,null]],"partial":false},"#
            + #"{"name":"temperature","tags":{"device_id":"02"},"columns":["time","mean"],"values":[[1000,21]]}]},"#
            + #"{"statement_id":1,"messages":[{"level":"warning","text":"x"}]}]}"#
        let (read, error) = try read(answer, chunk: chunk)
        #expect(error == nil)
        #expect(
            read == [
                .series(name: "soil_moisture", tags: ["device_id": "01"], columns: ["time", "mean"]),
                .row([.number(1000), .number(44.5)]), .row([.number(2000), .null]),
                .series(name: "temperature", tags: ["device_id": "02"], columns: ["time", "mean"]),
                .row([.number(1000), .number(21)]),
            ])
    }

    @Test func aStatementsErrorIsKept() throws {
        let (read, error) = try read(
            #"{"results":[{"statement_id":0,"error":"retention policy not found: downsampled"}]}"#, chunk: 4)
        #expect(read.isEmpty && error == "retention policy not found: downsampled")
        #expect(try self.read(#"{"error":"database not found: x"}"#, chunk: 4).1 == "database not found: x")
    }
}

@Suite struct JSONLinesRowReaderTests {
    /// 3.x omits null columns and may order keys as it likes: cells come in the order asked for.
    @Test(arguments: [1, 5, Int.max]) func rowsAreTheColumnsAskedForInOrder(chunk: Int) throws {
        let lines =
            #"{"reading":44.5,"device_id":"01","bucket_start":"2026-12-02T10:00:00"}"# + "\n"
            + #"{"device_id":"02","extra":{"nested":[1,2]},"reading":null}"# + "\n"
        var reader = JSONLinesRowReader(columns: ["device_id", "bucket_start", "reading"])
        var rows: [[JSONScalar]] = []
        for event in try events(lines, chunk: chunk) { reader.add(event) { rows.append($0) } }
        #expect(
            rows == [
                [.string("01"), .string("2026-12-02T10:00:00"), .number(44.5)], [.string("02"), .null, .null],
            ])
        #expect(Timestamp(utcWithoutZone: "2026-12-02T10:00:00.5") == Timestamp(rfc3339: "2026-12-02T10:00:00.5Z"))
    }
}
