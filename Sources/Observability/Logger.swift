import Glibc

/// A structured logger writing logfmt lines (`ts=… level=… msg=… key=value`).
///
/// Callers pass secrets nowhere near it: there is no API that takes a token, and values are plain
/// strings the caller chose to log.
public struct Logger: Sendable {
    public typealias Sink = @Sendable (String) -> Void

    public var level: LogLevel
    private let sink: Sink

    public init(level: LogLevel = .info, sink: @escaping Sink = Logger.standardError) {
        self.level = level
        self.sink = sink
    }

    /// Writes whole lines, so concurrent lines never interleave: on a thread that batches (an event
    /// loop, see `LogBatch`) into its buffer, written once a round; elsewhere with one `write(2)`.
    public static let standardError: Sink = { line in
        if let buffer = LogBatch.current {
            buffer.bytes += line.utf8
            buffer.bytes.append(UInt8(ascii: "\n"))
        } else {
            var bytes = Array(line.utf8)
            bytes.append(UInt8(ascii: "\n"))
            LogBatch.writeAll(bytes)
        }
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

    public func log(_ level: LogLevel, _ message: String, _ fields: [(String, String)]) {
        guard level >= self.level else { return }
        var line = "ts=\(Self.timestamp()) level=\(level.name) msg=\(Self.logfmtValue(message))"
        for (key, value) in fields {
            line += " \(key)=\(Self.logfmtValue(value))"
        }
        sink(line)
    }

    /// Quotes a value when logfmt requires it and escapes anything that could forge a new line or field.
    public static func logfmtValue(_ value: String) -> String {
        let needsQuotes =
            value.isEmpty
            || value.unicodeScalars.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0.value < 0x20 || $0 == "\\" }
        guard needsQuotes else { return value }
        var quoted = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case "\t": quoted += "\\t"
            case _ where scalar.value < 0x20: quoted += "\\u{\(String(scalar.value, radix: 16))}"
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }

    /// RFC 3339 UTC with milliseconds, from the real-time clock. The date and time to the second
    /// are formatted once a second (per thread that batches, else shared), then only the milliseconds.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let second = Int(now.tv_sec)
        let milliseconds = Int(now.tv_nsec / 1_000_000)
        let prefix: String
        if let buffer = LogBatch.current {
            if buffer.second != second {
                buffer.second = second
                buffer.secondText = Array(formatSecond(second).utf8)
            }
            prefix = String(decoding: buffer.secondText, as: UTF8.self)
        } else {
            prefix = formatSecond(second)
        }
        let digits = String(milliseconds)
        return prefix + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
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
