/// One InfluxDB point. Tags and fields are encoded sorted by key, as InfluxDB prefers.
public struct Point: Sendable, Equatable {
    public var measurement: String
    public var tags: [String: String]
    public var fields: [String: FieldValue]
    /// Nanoseconds since the Unix epoch. Always set by the gateway, so a resend overwrites.
    public var timestamp: Int64?

    public init(
        measurement: String, tags: [String: String] = [:], fields: [String: FieldValue], timestamp: Int64? = nil
    ) {
        self.measurement = measurement
        self.tags = tags
        self.fields = fields
        self.timestamp = timestamp
    }
}

public enum FieldValue: Sendable, Equatable {
    case integer(Int64)
    case unsigned(UInt64)
    case float(Double)
    case boolean(Bool)
    case string(String)
}

/// A point that line protocol cannot carry exactly. The encoder refuses rather than let InfluxDB
/// store something other than what was meant.
public struct LineProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    public let element: String
    public let reason: String
    public var description: String { "\(element): \(reason)" }
}

/// Line protocol encoding (InfluxDB 1.x/2.x/3.x), with each element's escaping rules.
public enum LineProtocol {
    public static func encode(_ point: Point) throws(LineProtocolError) -> String {
        var bytes: [UInt8] = []
        try encode(point, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends one line (with its trailing LF) to `output`.
    public static func encode(_ point: Point, into output: inout [UInt8]) throws(LineProtocolError) {
        guard !point.fields.isEmpty else { throw LineProtocolError(element: "fields", reason: "a point needs a field") }
        var line = try escape(point.measurement, as: .measurement)
        for key in point.tags.keys.sorted(by: utf8Order) {
            line += "," + (try escape(key, as: .key)) + "=" + (try escape(point.tags[key]!, as: .tagValue))
        }
        var separator = " "
        for key in point.fields.keys.sorted(by: utf8Order) {
            line += separator + (try escape(key, as: .key)) + "=" + (try encode(point.fields[key]!))
            separator = ","
        }
        if let timestamp = point.timestamp { line += " \(timestamp)" }
        output.append(contentsOf: line.utf8)
        output.append(UInt8(ascii: "\n"))
    }

    public enum Element: String, Sendable {
        case measurement
        case key = "tag or field key"
        case tagValue = "tag value"
    }

    /// Escapes a measurement, key or tag value, or explains why it cannot be written exactly.
    ///
    /// InfluxDB's parser treats a backslash as escaping whatever follows it when scanning for
    /// delimiters, but only unescapes `\,` `\=` `\ `; so a backslash right before one of those, or at
    /// the end, cannot round-trip. Line breaks end the line. Names are refused in those cases.
    public static func escape(_ text: String, as element: Element) throws(LineProtocolError) -> String {
        guard !text.isEmpty else { throw LineProtocolError(element: element.rawValue, reason: "must not be empty") }
        if element == .measurement && text.hasPrefix("#") {
            throw LineProtocolError(element: element.rawValue, reason: "must not start with '#' (a comment line)")
        }
        // Scalars, not Characters: a comma followed by a combining mark is still a comma to InfluxDB.
        let special: Set<Unicode.Scalar> = element == .measurement ? [",", " "] : [",", "=", " "]
        var escaped = String.UnicodeScalarView()
        var previous: Unicode.Scalar?
        for scalar in text.unicodeScalars {
            if scalar == "\n" || scalar == "\r" {
                throw LineProtocolError(element: element.rawValue, reason: "must not contain a line break")
            }
            if special.contains(scalar) {
                if previous == "\\" {
                    throw LineProtocolError(
                        element: element.rawValue, reason: "a backslash must not precede '\(scalar)'")
                }
                escaped.append("\\")
            }
            escaped.append(scalar)
            previous = scalar
        }
        if previous == "\\" {
            throw LineProtocolError(element: element.rawValue, reason: "must not end with a backslash")
        }
        return String(escaped)
    }

    static func encode(_ value: FieldValue) throws(LineProtocolError) -> String {
        switch value {
        case .integer(let number): return "\(number)i"
        case .unsigned(let number): return "\(number)u"
        case .boolean(let flag): return flag ? "true" : "false"
        case .float(let number):
            guard number.isFinite else { throw LineProtocolError(element: "float field", reason: "must be finite") }
            return "\(number)"
        case .string(let text):
            var escaped = String.UnicodeScalarView()
            for scalar in text.unicodeScalars {
                if scalar == "\n" || scalar == "\r" {
                    throw LineProtocolError(element: "string field", reason: "must not contain a line break")
                }
                if scalar == "\"" || scalar == "\\" { escaped.append("\\") }
                escaped.append(scalar)
            }
            return "\"" + String(escaped) + "\""
        }
    }

    /// Byte-wise order, as Go's `bytes.Compare` sorts tags inside InfluxDB.
    private static func utf8Order(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }
}
