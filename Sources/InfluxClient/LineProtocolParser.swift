/// Parses line protocol as InfluxDB does (1.x/2.x rules), so the gateway can accept writes from
/// Telegraf and client libraries, check every line, and re-encode it with its own rules.
public enum LineProtocolParser {
    public struct Failure: Error, Equatable, Sendable {
        /// 1-based line number in the body.
        public let line: Int
        public let text: String
        public let reason: String

        /// InfluxDB's own wording: `unable to parse '<line>': <reason>`.
        public var message: String { "unable to parse '\(text)': \(reason)" }
    }

    /// Every point, and every line that failed; blank lines and `#` comments are skipped. A trailing
    /// CR is dropped (serial bridges and Windows tools send CRLF).
    public static func parse(_ body: [UInt8]) -> (points: [(line: Int, point: Point)], failures: [Failure]) {
        var points: [(Int, Point)] = []
        var failures: [Failure] = []
        var number = 0
        for rawLine in body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            var line = rawLine
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            while let first = line.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
                line = line.dropFirst()
            }
            if line.isEmpty || line.first == UInt8(ascii: "#") { continue }
            switch parseLine(line) {
            case .success(let point): points.append((number, point))
            case .failure(let reason):
                failures.append(
                    Failure(line: number, text: String(decoding: line.prefix(200), as: UTF8.self), reason: reason.text))
            }
        }
        return (points, failures)
    }

    struct Reason: Error { let text: String }

    static func parseLine(_ line: ArraySlice<UInt8>) -> Result<Point, Reason> {
        var cursor = Cursor(bytes: line)
        guard let measurement = cursor.token(until: [.comma, .space], unescaping: [.comma, .space]),
            !measurement.isEmpty
        else {
            return .failure(Reason(text: "missing measurement"))
        }
        var tags: [String: String] = [:]
        while cursor.peek == .comma {
            cursor.advance()
            guard let key = cursor.token(until: [.equals, .comma, .space], unescaping: [.comma, .equals, .space]),
                !key.isEmpty,
                cursor.peek == .equals
            else { return .failure(Reason(text: "missing tag key")) }
            cursor.advance()
            guard let value = cursor.token(until: [.comma, .space], unescaping: [.comma, .equals, .space]),
                !value.isEmpty
            else {
                return .failure(Reason(text: "missing tag value"))
            }
            tags[key] = value
        }
        guard cursor.peek == .space else { return .failure(Reason(text: "missing fields")) }
        cursor.skipSpaces()
        var fields: [String: FieldValue] = [:]
        repeat {
            if !fields.isEmpty { cursor.advance() }  // the comma between fields
            guard let key = cursor.token(until: [.equals, .comma, .space], unescaping: [.comma, .equals, .space]),
                !key.isEmpty,
                cursor.peek == .equals
            else {
                return .failure(
                    Reason(text: fields.isEmpty && cursor.atEnd ? "missing fields" : "invalid field format"))
            }
            cursor.advance()
            switch cursor.fieldValue() {
            case .success(let value): fields[key] = value
            case .failure(let reason): return .failure(reason)
            }
        } while cursor.peek == .comma
        var timestamp: Int64?
        if cursor.peek == .space {
            cursor.skipSpaces()
            if !cursor.atEnd {
                guard let text = cursor.token(until: [.space], unescaping: []), let value = Int64(text) else {
                    return .failure(Reason(text: "bad timestamp"))
                }
                timestamp = value
                cursor.skipSpaces()
            }
        }
        guard cursor.atEnd else { return .failure(Reason(text: "invalid field format")) }
        return .success(Point(measurement: measurement, tags: tags, fields: fields, timestamp: timestamp))
    }

    private struct Cursor {
        let bytes: ArraySlice<UInt8>
        var index: Int

        init(bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            index = bytes.startIndex
        }

        var atEnd: Bool { index >= bytes.endIndex }
        var peek: UInt8? { atEnd ? nil : bytes[index] }
        mutating func advance() { index += 1 }
        mutating func skipSpaces() { while peek == .space { index += 1 } }

        /// Text up to an unescaped stop byte; `\` before a byte in `unescaping` drops the backslash,
        /// before anything else both are kept (InfluxDB's rule). Nil if a backslash ends the line.
        mutating func token(until stops: Set<UInt8>, unescaping: Set<UInt8>) -> String? {
            var text: [UInt8] = []
            while let byte = peek, !stops.contains(byte) {
                if byte == .backslash {
                    guard index + 1 < bytes.endIndex else { return nil }
                    let next = bytes[index + 1]
                    if !unescaping.contains(next) { text.append(byte) }
                    text.append(next)
                    index += 2
                    continue
                }
                text.append(byte)
                index += 1
            }
            return String(decoding: text, as: UTF8.self)
        }

        mutating func fieldValue() -> Result<FieldValue, Reason> {
            if peek == .quote {
                advance()
                var text: [UInt8] = []
                while let byte = peek {
                    advance()
                    if byte == .quote { return .success(.string(String(decoding: text, as: UTF8.self))) }
                    if byte == .backslash, let next = peek, next == .quote || next == .backslash {
                        text.append(next)
                        advance()
                        continue
                    }
                    text.append(byte)
                }
                return .failure(Reason(text: "unbalanced quotes"))
            }
            guard let raw = token(until: [.comma, .space], unescaping: []), !raw.isEmpty else {
                return .failure(Reason(text: "missing field value"))
            }
            switch raw {
            case "t", "T", "true", "True", "TRUE": return .success(.boolean(true))
            case "f", "F", "false", "False", "FALSE": return .success(.boolean(false))
            default: break
            }
            if raw.hasSuffix("i") {
                guard let value = Int64(raw.dropLast()) else { return .failure(Reason(text: "invalid integer")) }
                return .success(.integer(value))
            }
            if raw.hasSuffix("u") {
                guard let value = UInt64(raw.dropLast()) else {
                    return .failure(Reason(text: "invalid unsigned integer"))
                }
                return .success(.unsigned(value))
            }
            guard raw.first.map({ $0.isNumber || $0 == "-" || $0 == "+" || $0 == "." }) == true,
                let value = Double(raw),
                value.isFinite
            else {
                let looksNumeric =
                    !(raw.first?.isLetter ?? false) || ["nan", "inf", "infinity"].contains(raw.lowercased())
                return .failure(Reason(text: looksNumeric ? "invalid number" : "invalid boolean"))
            }
            return .success(.float(value))
        }
    }
}
