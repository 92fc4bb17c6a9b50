/// Line protocol encoding (InfluxDB 1.x/2.x/3.x), with each element's escaping rules.
public enum LineProtocol {
    public static func encode(_ point: Point) throws(LineProtocolError) -> String {
        var bytes: [UInt8] = []
        try encode(point, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends one line (with its trailing LF) to `output`; on error `output` is left as it was.
    public static func encode(_ point: Point, into output: inout [UInt8]) throws(LineProtocolError) {
        let tags = point.tags.sorted { utf8Order($0.key, $1.key) }
        let fields = point.fields.sorted { utf8Order($0.key, $1.key) }
        try encode(
            measurement: point.measurement, sortedTags: tags.span, sortedFields: fields.span,
            timestamp: point.timestamp, into: &output)
    }

    /// The same for tags and fields already in byte order of their keys: for callers that write
    /// many points of one shape and need not build a `Point` (and its dictionaries) for each.
    /// Spans, so they may live on the caller's stack (an `InlineArray`): two arrays a point were
    /// ~1,000 of a device request's ~30,000 instructions when device lines were encoded so
    /// (bench/README.md, eleventh session; they now use `SeriesPrefix`).
    public static func encode(
        measurement: String, sortedTags: Span<(key: String, value: String)>,
        sortedFields: Span<(key: String, value: FieldValue)>, timestamp: Int64?, into output: inout [UInt8]
    ) throws(LineProtocolError) {
        guard !sortedFields.isEmpty else { throw LineProtocolError(element: "fields", reason: "a point needs a field") }
        let start = output.count
        do throws(LineProtocolError) {
            try appendSeries(measurement: measurement, sortedTags: sortedTags, to: &output)
            var separator = UInt8.space
            for index in sortedFields.indices {
                let (key, value) = sortedFields[index]
                output.append(separator)
                try append(key, as: .key, to: &output)
                output.append(.equals)
                try append(value, to: &output)
                separator = .comma
            }
            appendEnd(timestamp: timestamp, to: &output)
        } catch {
            output.removeSubrange(start...)
            throw error
        }
    }

    /// `measurement,key=value,…`: what names a line's series.
    static func appendSeries(
        measurement: String, sortedTags: Span<(key: String, value: String)>, to output: inout [UInt8]
    ) throws(LineProtocolError) {
        try append(measurement, as: .measurement, to: &output)
        for index in sortedTags.indices {
            let (key, value) = sortedTags[index]
            output.append(.comma)
            try append(key, as: .key, to: &output)
            output.append(.equals)
            try append(value, as: .tagValue, to: &output)
        }
    }

    /// The timestamp, if any, and the line's end.
    static func appendEnd(timestamp: Int64?, to output: inout [UInt8]) {
        if let timestamp {
            output.append(.space)
            appendDecimal(timestamp.magnitude, negative: timestamp < 0, to: &output)
        }
        output.append(.newline)
    }

    public enum Element: String, Sendable {
        case measurement
        case key = "tag or field key"
        case tagValue = "tag value"
    }

    /// Escapes a measurement, key or tag value, or explains why it cannot be written exactly.
    public static func escape(_ text: String, as element: Element) throws(LineProtocolError) -> String {
        var bytes: [UInt8] = []
        try append(text, as: element, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `text` escaped as `element`.
    ///
    /// InfluxDB's parser treats a backslash as escaping whatever follows it when scanning for
    /// delimiters, but only unescapes `\,` `\=` `\ `; so a backslash right before one of those, or at
    /// the end, cannot round-trip. Line breaks end the line. Names are refused in those cases.
    /// Bytes, not Characters: the specials are ASCII, which UTF-8 never uses inside a longer
    /// sequence, and a comma followed by a combining mark is still a comma to InfluxDB.
    static func append(_ text: String, as element: Element, to output: inout [UInt8]) throws(LineProtocolError) {
        let utf8 = text.utf8
        guard let first = utf8.first else {
            throw LineProtocolError(element: element.rawValue, reason: "must not be empty")
        }
        if element == .measurement && first == UInt8(ascii: "#") {
            throw LineProtocolError(element: element.rawValue, reason: "must not start with '#' (a comment line)")
        }
        // The common case: nothing to escape or refuse, so the bytes are copied whole.
        let copiedWhole = utf8.withContiguousStorageIfAvailable { bytes in
            let plain = !bytes.contains {
                $0 == .comma || $0 == .space || $0 == .equals || $0 == .backslash || $0 == .newline
                    || $0 == .carriageReturn
            }
            if plain { output.append(contentsOf: bytes) }
            return plain
        }
        if copiedWhole == true { return }
        var previous: UInt8 = 0
        for byte in utf8 {
            if byte == .newline || byte == .carriageReturn {
                throw LineProtocolError(element: element.rawValue, reason: "must not contain a line break")
            }
            if byte == .comma || byte == .space || (byte == .equals && element != .measurement) {
                if previous == .backslash {
                    throw LineProtocolError(
                        element: element.rawValue, reason: "a backslash must not precede '\(Unicode.Scalar(byte))'")
                }
                output.append(.backslash)
            }
            output.append(byte)
            previous = byte
        }
        if previous == .backslash {
            throw LineProtocolError(element: element.rawValue, reason: "must not end with a backslash")
        }
    }

    /// Appends a field value. Numbers are written digit by digit rather than through a String:
    /// every device reading is an integer, and every point has a timestamp.
    static func append(_ value: FieldValue, to output: inout [UInt8]) throws(LineProtocolError) {
        switch value {
        case .integer(let number):
            appendDecimal(number.magnitude, negative: number < 0, to: &output)
            output.append(UInt8(ascii: "i"))
        case .unsigned(let number):
            appendDecimal(number, negative: false, to: &output)
            output.append(UInt8(ascii: "u"))
        case .boolean(let flag): output += (flag ? "true" : "false").utf8
        case .float(let number):
            guard number.isFinite else { throw LineProtocolError(element: "float field", reason: "must be finite") }
            output += "\(number)".utf8
        case .string(let text):
            output.append(.quote)
            for byte in text.utf8 {
                if byte == .newline || byte == .carriageReturn {
                    throw LineProtocolError(element: "string field", reason: "must not contain a line break")
                }
                if byte == .quote || byte == .backslash { output.append(.backslash) }
                output.append(byte)
            }
            output.append(.quote)
        }
    }

    static func appendDecimal(_ magnitude: UInt64, negative: Bool, to output: inout [UInt8]) {
        if negative { output.append(UInt8(ascii: "-")) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var rest = magnitude
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(truncatingIfNeeded: rest % 10) + UInt8(ascii: "0")
                rest /= 10
            } while rest > 0
            output.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    /// Byte-wise order, as Go's `bytes.Compare` sorts tags inside InfluxDB.
    private static func utf8Order(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }
}
