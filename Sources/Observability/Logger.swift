import Glibc

/// A structured logger writing logfmt lines (`ts=… level=… msg=… key=value`).
///
/// Callers pass secrets nowhere near it: there is no API that takes a token, and values are plain
/// strings the caller chose to log.
public struct Logger: Sendable {
    public typealias Sink = @Sendable (String) -> Void

    public var level: LogLevel
    /// Where lines go; nil is standard error.
    private let sink: Sink?

    /// Lines go to `sink` as Strings, or without one to standard error, whole lines so concurrent
    /// ones never interleave: on a thread that batches (an event loop, see `LogBatch`) into its
    /// buffer, written once a round; elsewhere with one `write(2)`.
    public init(level: LogLevel = .info, sink: Sink? = nil) {
        self.level = level
        self.sink = sink
    }

    public func debug(_ message: String, _ fields: KeyValuePairs<String, String> = [:]) {
        log(.debug, message, fields)
    }
    public func info(_ message: String, _ fields: KeyValuePairs<String, String> = [:]) {
        log(.info, message, fields)
    }
    public func warning(_ message: String, _ fields: KeyValuePairs<String, String> = [:]) {
        log(.warning, message, fields)
    }
    public func error(_ message: String, _ fields: KeyValuePairs<String, String> = [:]) {
        log(.error, message, fields)
    }

    public func log(_ level: LogLevel, _ message: String, _ fields: KeyValuePairs<String, String>) {
        log(level, message, Array(fields.map { ($0.key, $0.value) }))
    }

    /// The line is built as UTF-8 bytes: with the access log on this runs for every request, and
    /// string interpolation and scalar-by-scalar scanning cost a third of one. On a thread that
    /// batches it is built in the batch's buffer itself (no array or String of its own: a quarter of
    /// the access log's cost was copying the line twice).
    public func log(_ level: LogLevel, _ message: String, _ fields: [(String, String)]) {
        guard level >= self.level else { return }
        if sink == nil, let batch = LogBatch.current {
            Self.format(level, message, fields, into: &batch.bytes)
            batch.bytes.append(UInt8(ascii: "\n"))
            return
        }
        var line: [UInt8] = []
        line.reserveCapacity(192)
        Self.format(level, message, fields, into: &line)
        if let sink { return sink(String(decoding: line, as: UTF8.self)) }
        line.append(UInt8(ascii: "\n"))
        LogBatch.writeAll(line)
    }

    private static func format(
        _ level: LogLevel, _ message: String, _ fields: [(String, String)], into line: inout [UInt8]
    ) {
        append("ts=", to: &line)
        appendTimestamp(to: &line)
        append(" level=", to: &line)
        append(level.label, to: &line)
        append(" msg=", to: &line)
        appendLogfmt(message, to: &line)
        for (key, value) in fields {
            line.append(UInt8(ascii: " "))
            var key = key
            key.withUTF8 { line.append(contentsOf: $0) }
            line.append(UInt8(ascii: "="))
            appendLogfmt(value, to: &line)
        }
    }

    /// A fixed piece of the line, copied from where the compiler put it (cheaper than a String's).
    private static func append(_ text: StaticString, to line: inout [UInt8]) {
        line.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Quotes a value when logfmt requires it and escapes anything that could forge a new line or field.
    public static func logfmtValue(_ value: String) -> String {
        var bytes: [UInt8] = []
        appendLogfmt(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `logfmtValue`, appended. Byte-wise: every character it treats specially is ASCII, and no byte
    /// of a multi-byte UTF-8 character is below 0x80.
    ///
    /// Over the value's contiguous UTF-8 (`withUTF8`: no copy of a native String), and a plain value
    /// appended with one copy: with the access log on, eight values a request pass here.
    private static func appendLogfmt(_ value: String, to line: inout [UInt8]) {
        var value = value
        value.withUTF8 { bytes in appendLogfmt(bytes, to: &line) }
    }

    private static func appendLogfmt(_ value: UnsafeBufferPointer<UInt8>, to line: inout [UInt8]) {
        let special = { (byte: UInt8) in
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "=") || byte == UInt8(ascii: "\"") || byte < 0x20
                || byte == UInt8(ascii: "\\")
        }
        if !value.isEmpty && !value.contains(where: special) {
            line.append(contentsOf: value)
            return
        }
        line.append(UInt8(ascii: "\""))
        for byte in value {
            switch byte {
            case UInt8(ascii: "\""): line += #"\""#.utf8
            case UInt8(ascii: "\\"): line += #"\\"#.utf8
            case UInt8(ascii: "\n"): line += #"\n"#.utf8
            case UInt8(ascii: "\r"): line += #"\r"#.utf8
            case UInt8(ascii: "\t"): line += #"\t"#.utf8
            case _ where byte < 0x20: line += "\\u{\(String(byte, radix: 16))}".utf8
            default: line.append(byte)
            }
        }
        line.append(UInt8(ascii: "\""))
    }

    /// RFC 3339 UTC with milliseconds, from the real-time clock. The date and time to the second
    /// are formatted once a second (per thread that batches, else each time), then only the milliseconds.
    static func appendTimestamp(to line: inout [UInt8]) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let second = Int(now.tv_sec)
        let milliseconds = Int(now.tv_nsec / 1_000_000)
        if let buffer = LogBatch.current {
            if buffer.second != second {
                buffer.second = second
                buffer.secondText = Array(formatSecond(second).utf8)
            }
            line += buffer.secondText
        } else {
            line += formatSecond(second).utf8
        }
        line.append(UInt8(ascii: "0") + UInt8(milliseconds / 100))
        line.append(UInt8(ascii: "0") + UInt8(milliseconds / 10 % 10))
        line.append(UInt8(ascii: "0") + UInt8(milliseconds % 10))
        line.append(UInt8(ascii: "Z"))
    }

    /// `2026-12-01T20:55:41.` for a second since the epoch.
    private static func formatSecond(_ second: Int) -> String {
        var seconds = time_t(second)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
    }
}
