import Foundation
import HTTPServer
import InfluxClient
import Observability

/// The kinds of value a setting's text can be: one parser each, with the message an operator sees.
enum SettingValue {
    static func text(_ text: String) -> String { text }

    /// A command-line option's value, parsed as a setting's would be.
    static func parse<Value>(
        _ text: String, as parse: (String) throws(InvalidSettingValue) -> Value, option: String
    ) throws(ConfigurationError) -> Value {
        do {
            return try parse(text)
        } catch {
            throw ConfigurationError(setting: option, message: error.message)
        }
    }

    static func nonEmpty(_ text: String) throws(InvalidSettingValue) -> String {
        guard !text.isEmpty else { throw InvalidSettingValue(message: "must not be empty") }
        return text
    }

    static func count(_ text: String) throws(InvalidSettingValue) -> Int {
        guard let value = Int(text), value > 0 else {
            throw InvalidSettingValue(message: "expected a positive whole number, got '\(text)'")
        }
        return value
    }

    /// `auto`: one per CPU this process may run on.
    static func countOrAuto(_ text: String) throws(InvalidSettingValue) -> Int {
        text == "auto" ? HTTPServerConfiguration.usableProcessors : try count(text)
    }

    static func number(_ text: String) throws(InvalidSettingValue) -> Double {
        guard let value = Double(text), value.isFinite else {
            throw InvalidSettingValue(message: "expected a number, got '\(text)'")
        }
        return value
    }

    static func boolean(_ text: String) throws(InvalidSettingValue) -> Bool {
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw InvalidSettingValue(message: "expected true or false, got '\(text)'")
        }
    }

    /// `250ms`, `10s`, `5m`, `1h`, `7d`.
    static func duration(_ text: String) throws(InvalidSettingValue) -> Duration {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (suffix, milliseconds) in units where text.hasSuffix(suffix) {
            if let number = Int64(text.dropLast(suffix.count)), number > 0 {
                return .milliseconds(number * milliseconds)
            }
        }
        throw InvalidSettingValue(message: "expected a duration like 500ms, 10s or 5m, got '\(text)'")
    }

    /// A duration in whole seconds (at least one).
    static func wholeSeconds(_ text: String) throws(InvalidSettingValue) -> Int {
        let value = try duration(text)
        guard value >= .seconds(1), value.components.attoseconds == 0 else {
            throw InvalidSettingValue(message: "expected whole seconds, such as 30s or 5m, got '\(text)'")
        }
        return Int(value.components.seconds)
    }

    /// `auto` (on where it applies) or `off`.
    static func onOrOff(_ text: String) throws(InvalidSettingValue) -> Bool {
        switch text {
        case "auto": return true
        case "off": return false
        default: throw InvalidSettingValue(message: "expected auto or off, got '\(text)'")
        }
    }

    /// An http:// or https:// URL, without a trailing slash.
    static func httpURL(_ text: String) throws(InvalidSettingValue) -> String {
        guard text.hasPrefix("http://") || text.hasPrefix("https://"), text.count > "https://".count else {
            throw InvalidSettingValue(message: "expected an http:// or https:// URL, got '\(text)'")
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    /// Empty (off), or an http:// or https:// URL.
    static func optionalHTTPURL(_ text: String) throws(InvalidSettingValue) -> String {
        text.isEmpty ? "" : try httpURL(text)
    }

    /// Empty (off), `smtp://…` or `smtps://…`.
    static func mailServerURL(_ text: String) throws(InvalidSettingValue) -> String {
        guard text.isEmpty || text.hasPrefix("smtp://") || text.hasPrefix("smtps://") else {
            throw InvalidSettingValue(message: "expected smtp:// or smtps://, got '\(text)'")
        }
        return text
    }

    static func listenAddress(_ text: String) throws(InvalidSettingValue) -> ListenAddress {
        let error = InvalidSettingValue(message: "expected host:port, got '\(text)'")
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else {
            throw error
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw error }
        return ListenAddress(host: host, port: port)
    }

    /// Comma-separated, blanks around each item ignored.
    static func list(_ text: String) -> Set<String> {
        Set(text.split(separator: ",").map { $0.trimmingCharacters(in: " ") })
    }

    static func api(_ text: String) throws(InvalidSettingValue) -> InfluxAPI {
        guard let api = InfluxAPI(rawValue: text) else {
            throw InvalidSettingValue(message: "expected v1, v2, v3 or auto, got '\(text)'")
        }
        return api
    }

    static func logLevel(_ text: String) throws(InvalidSettingValue) -> LogLevel {
        guard let level = LogLevel(name: text) else {
            throw InvalidSettingValue(message: "expected debug, info, warn or error")
        }
        return level
    }

    static func sensors(_ text: String) throws(InvalidSettingValue) -> SensorCatalog {
        do {
            return try SensorCatalog(parsing: text)
        } catch {
            throw InvalidSettingValue(message: error.message)
        }
    }

    /// The first line of the file at `path`, without surrounding blanks: how secrets are handed over.
    static func firstLine(ofFile path: String) throws(InvalidSettingValue) -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw InvalidSettingValue(message: "cannot read \(path)")
        }
        return String(text.split(whereSeparator: \.isNewline).first ?? "").trimmingCharacters(in: " \t")
    }
}

/// Where `plantbuddy serve` listens.
struct ListenAddress: Equatable {
    var host: String
    var port: UInt16
}
