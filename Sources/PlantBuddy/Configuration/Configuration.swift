import CurlClient
import Foundation
public import HTTPServer
public import InfluxClient
public import Observability

/// A setting that stops start-up, named so the operator knows what to fix.
public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    public let setting: String
    public let message: String
    public var description: String { "\(setting): \(message)" }
}

/// One configurable value: its environment variable, its flag, its default and what it means.
/// This table is the single source of the README's configuration table (`plantbuddy help`).
public struct Setting: Sendable {
    public let environment: String
    public let defaultValue: String?
    public let help: String

    /// `PLANTBUDDY_DATA_DIR` → `--data-dir`, `INFLUX_URL` → `--influx-url`.
    public var flag: String {
        let name =
            environment.hasPrefix("PLANTBUDDY_") ? String(environment.dropFirst("PLANTBUDDY_".count)) : environment
        return "--" + name.lowercased().replacingOccurrences(of: "_", with: "-")
    }

    public static let all: [Setting] = [
        Setting(environment: "PLANTBUDDY_LISTEN", defaultValue: "127.0.0.1:5000", help: "host:port to listen on"),
        Setting(
            environment: "PLANTBUDDY_DATA_DIR", defaultValue: "./data",
            help: "directory for the users file, the buffer and dead letters"),
        Setting(environment: "INFLUX_URL", defaultValue: "http://127.0.0.1:8086", help: "InfluxDB base URL"),
        Setting(environment: "INFLUX_TOKEN", defaultValue: "", help: "InfluxDB API token (prefer INFLUX_TOKEN_FILE)"),
        Setting(
            environment: "INFLUX_TOKEN_FILE", defaultValue: nil, help: "file whose first line is the InfluxDB token"),
        Setting(environment: "INFLUX_ORG", defaultValue: "", help: "InfluxDB organisation (v2 API; required there)"),
        Setting(environment: "INFLUX_BUCKET", defaultValue: "plantbuddy", help: "bucket for raw readings (v2 API)"),
        Setting(environment: "INFLUX_API", defaultValue: "auto", help: "v1, v2, or auto (ask /ping for the version)"),
        Setting(
            environment: "INFLUX_DB", defaultValue: nil, help: "database for the v1 API (default: the bucket name)"),
        Setting(environment: "INFLUX_TIMEOUT", defaultValue: "10s", help: "whole-request timeout for InfluxDB calls"),
        Setting(environment: "INFLUX_GZIP", defaultValue: "false", help: "gzip write bodies sent to InfluxDB"),
        Setting(
            environment: "INFLUX_DOWNSAMPLED_BUCKET", defaultValue: "",
            help: "bucket of downsampled means for the 7d and 30d graphs (v2 API; empty: the raw bucket)"),
        Setting(environment: "PLANTBUDDY_FLUX_DIR", defaultValue: "./Flux", help: "directory of the Flux scripts"),
        Setting(
            environment: "PLANTBUDDY_TEMPLATES_DIR", defaultValue: "./Templates",
            help: "directory of the HTML templates"),
        Setting(
            environment: "PLANTBUDDY_PASSWORD_ITERATIONS", defaultValue: "600000",
            help: "PBKDF2-HMAC-SHA256 rounds for new password hashes"),
        Setting(environment: "PLANTBUDDY_SESSION_TTL", defaultValue: "7d", help: "how long a sign-in lasts"),
        Setting(
            environment: "PLANTBUDDY_SOIL_CRIT", defaultValue: "35",
            help: "setup: soil moisture at or below this is crit"),
        Setting(
            environment: "INFLUX_RAW_RETENTION", defaultValue: "30d", help: "setup: how long the raw bucket keeps data"),
        Setting(
            environment: "INFLUX_DOWNSAMPLED_RETENTION", defaultValue: "365d",
            help: "setup: how long the downsampled bucket keeps data"),
        Setting(
            environment: "PLANTBUDDY_NOTIFY_SECRET", defaultValue: "",
            help: "shared secret InfluxDB's notification rule sends to /notify (prefer the _FILE form)"),
        Setting(
            environment: "PLANTBUDDY_NOTIFY_SECRET_FILE", defaultValue: nil,
            help: "file whose first line is that secret"),
        Setting(
            environment: "PLANTBUDDY_SMTP_URL", defaultValue: "",
            help: "mail server for e-mail alerts: smtp://host:587 (STARTTLS when offered) or smtps://host:465"),
        Setting(
            environment: "PLANTBUDDY_SMTP_FROM", defaultValue: "plantbuddy@localhost", help: "sender of e-mail alerts"),
        Setting(environment: "PLANTBUDDY_SMTP_USERNAME", defaultValue: "", help: "mail server login (empty: none)"),
        Setting(
            environment: "PLANTBUDDY_SMTP_PASSWORD_FILE", defaultValue: nil,
            help: "file whose first line is the mail password"),
        Setting(
            environment: "PLANTBUDDY_NOTIFY_ATTEMPTS", defaultValue: "5",
            help: "tries per alert delivery before giving up"),
        Setting(
            environment: "PLANTBUDDY_NOTIFY_RETRY", defaultValue: "30s",
            help: "wait before the first retry (then doubling)"),
        Setting(
            environment: "PLANTBUDDY_LOGIN_ATTEMPTS", defaultValue: "5",
            help: "failed sign-ins per user name and per client address before a pause"),
        Setting(environment: "PLANTBUDDY_LOGIN_WINDOW", defaultValue: "15m", help: "how long that pause lasts"),
        Setting(
            environment: "PLANTBUDDY_PROXY_USER_HEADER", defaultValue: "",
            help: "header naming the signed-in user, set by a trusted reverse proxy (empty: off)"),
        Setting(
            environment: "PLANTBUDDY_TRUSTED_PROXIES", defaultValue: "",
            help: "comma-separated proxy IP addresses whose user header is believed"),
        Setting(
            environment: "PLANTBUDDY_PUBLIC_URL", defaultValue: "",
            help: "the gateway's URL as users see it (https makes cookies Secure; shown in the empty state)"),
        Setting(
            environment: "PLANTBUDDY_WAL_FSYNC", defaultValue: "true",
            help: "fsync readings before answering 204; false survives a gateway crash but not a power cut"),
        Setting(
            environment: "PLANTBUDDY_BUFFER_MAX_BYTES", defaultValue: "268435456",
            help: "readings buffered for InfluxDB; when full, /write answers 503"),
        Setting(environment: "PLANTBUDDY_WAL_SEGMENT_BYTES", defaultValue: "8388608", help: "size of one buffer file"),
        Setting(
            environment: "PLANTBUDDY_BATCH_LINES", defaultValue: "2000",
            help: "most lines per InfluxDB write (5 writes per 10,000 lines; bench/README.md)"),
        Setting(environment: "PLANTBUDDY_BATCH_BYTES", defaultValue: "2097152", help: "most bytes per InfluxDB write"),
        Setting(
            environment: "PLANTBUDDY_FLUSH_INTERVAL", defaultValue: "1s",
            help: "longest a reading waits for a fuller batch"),
        Setting(environment: "PLANTBUDDY_RETRY_INITIAL", defaultValue: "1s", help: "first wait after a failed write"),
        Setting(
            environment: "PLANTBUDDY_RETRY_MAX", defaultValue: "60s",
            help: "longest wait between retries (and the pace for 401/403/404)"),
        Setting(
            environment: "PLANTBUDDY_FLUSH_GRACE", defaultValue: "10s",
            help: "at exit, time to deliver buffered readings before leaving them on disk"),
        Setting(
            environment: "PLANTBUDDY_SENSORS", defaultValue: SensorCatalog.standard.description,
            help: "sensor codes and their measurements"),
        Setting(environment: "PLANTBUDDY_LOG_LEVEL", defaultValue: "info", help: "debug, info, warn or error"),
        Setting(
            environment: "PLANTBUDDY_METRICS_TOKEN", defaultValue: "",
            help: "bearer token /metrics requires (empty: open)"),
        Setting(environment: "PLANTBUDDY_MAX_BODY_BYTES", defaultValue: "1048576", help: "largest request body (413)"),
        Setting(
            environment: "PLANTBUDDY_MAX_REQUEST_LINE_BYTES", defaultValue: "8192", help: "longest request line (414)"),
        Setting(
            environment: "PLANTBUDDY_MAX_HEADER_BYTES", defaultValue: "32768", help: "request line + headers (431)"),
        Setting(
            environment: "PLANTBUDDY_MAX_HEADER_COUNT", defaultValue: "100", help: "header fields per request (431)"),
        Setting(
            environment: "PLANTBUDDY_MAX_CONNECTIONS", defaultValue: "10000", help: "open connections (503 past it)"),
        Setting(
            environment: "PLANTBUDDY_HEADER_TIMEOUT", defaultValue: "10s", help: "time to send a request head (408)"),
        Setting(environment: "PLANTBUDDY_BODY_TIMEOUT", defaultValue: "30s", help: "time to send a request body (408)"),
        Setting(
            environment: "PLANTBUDDY_IDLE_TIMEOUT", defaultValue: "60s", help: "keep-alive idle time before closing"),
        Setting(
            environment: "PLANTBUDDY_WRITE_TIMEOUT", defaultValue: "30s", help: "time for a client to read a response"),
        Setting(
            environment: "PLANTBUDDY_SHUTDOWN_GRACE", defaultValue: "10s", help: "time for in-flight requests at exit"),
        Setting(
            environment: "PLANTBUDDY_IO_THREADS", defaultValue: "auto",
            help: "epoll I/O threads; auto: one per CPU the process may use"),
        Setting(
            environment: "PLANTBUDDY_WORKER_THREADS", defaultValue: "16",
            help: "handler threads (may block on InfluxDB)"),
    ]
}

/// Everything `plantbuddy serve` needs, read from flags (which win) and the environment.
public struct Configuration: Sendable {
    public var server = HTTPServerConfiguration()
    public var dataDirectory = "./data"
    public var influx = InfluxConfiguration(url: "http://127.0.0.1:8086")
    public var influxTimeout: Duration = .seconds(10)
    public var sensors = SensorCatalog.standard
    public var logLevel = LogLevel.info
    public var walFsync = true
    public var maxBufferedBytes = 256 << 20
    public var walSegmentBytes = 8 << 20
    public var delivery = DeliveryPolicy()
    public var downsampledBucket = ""
    public var fluxDirectory = "./Flux"
    public var templatesDirectory = "./Templates"
    public var passwordIterations = 600_000
    public var sessionLifetime: Duration = .seconds(7 * 86_400)
    public var publicURL = ""
    public var loginAttempts = 5
    public var notifySecret = ""
    public var metricsToken = ""
    public var mail: MailSettings?
    public var notifyAttempts = 5
    public var notifyRetry: Duration = .seconds(30)
    public var soilCritThreshold = 35.0
    public var rawRetention: Duration = .seconds(30 * 86_400)
    public var downsampledRetention: Duration = .seconds(365 * 86_400)
    public var loginWindow: Duration = .seconds(900)
    public var proxyUserHeader = ""
    public var trustedProxies: Set<String> = []

    public init() {}

    /// Reads the settings; the first bad one stops with an error naming it.
    public init(arguments: [String], environment: [String: String]) throws(ConfigurationError) {
        let values = try Self.merge(arguments: arguments, environment: environment)
        func value(_ name: String) -> String? {
            values[name] ?? Setting.all.first { $0.environment == name }?.defaultValue
        }
        func required(_ name: String) -> String { value(name) ?? "" }
        func count(_ name: String) throws(ConfigurationError) -> Int { try Self.count(required(name), setting: name) }
        /// A secret from `NAME_FILE` (its first line) when that is set, else from `NAME` itself.
        func secret(_ name: String) throws(ConfigurationError) -> String? {
            guard let path = values[name + "_FILE"] else { return value(name) }
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ConfigurationError(setting: name + "_FILE", message: "cannot read \(path)")
            }
            return String(text.split(whereSeparator: \.isNewline).first ?? "").trimmingCharacters(in: " \t")
        }
        func boolean(_ name: String) throws(ConfigurationError) -> Bool {
            switch required(name).lowercased() {
            case "true", "1", "yes", "on": return true
            case "false", "0", "no", "off": return false
            default: throw ConfigurationError(setting: name, message: "expected true or false, got '\(required(name))'")
            }
        }
        func duration(_ name: String) throws(ConfigurationError) -> Duration {
            try Self.duration(required(name), setting: name)
        }

        let (host, port) = try Self.hostAndPort(required("PLANTBUDDY_LISTEN"))
        server.host = host
        server.port = port
        dataDirectory = required("PLANTBUDDY_DATA_DIR")
        guard !dataDirectory.isEmpty else {
            throw ConfigurationError(setting: "PLANTBUDDY_DATA_DIR", message: "must not be empty")
        }

        let url = required("INFLUX_URL")
        guard url.hasPrefix("http://") || url.hasPrefix("https://"), url.count > "https://".count else {
            throw ConfigurationError(
                setting: "INFLUX_URL", message: "expected an http:// or https:// URL, got '\(url)'")
        }
        let token = try secret("INFLUX_TOKEN") ?? ""
        guard let api = InfluxAPI(rawValue: required("INFLUX_API")) else {
            throw ConfigurationError(
                setting: "INFLUX_API", message: "expected v1, v2 or auto, got '\(required("INFLUX_API"))'")
        }
        let org = required("INFLUX_ORG")
        if api == .v2 && org.isEmpty {
            throw ConfigurationError(setting: "INFLUX_ORG", message: "is required with INFLUX_API=v2")
        }
        let bucket = required("INFLUX_BUCKET")
        guard !bucket.isEmpty else { throw ConfigurationError(setting: "INFLUX_BUCKET", message: "must not be empty") }
        influx = InfluxConfiguration(
            url: url, token: token, org: org, bucket: bucket, database: value("INFLUX_DB"), api: api,
            gzip: try boolean("INFLUX_GZIP"))
        influxTimeout = try duration("INFLUX_TIMEOUT")

        sensors = try SensorCatalog(parsing: required("PLANTBUDDY_SENSORS"))
        guard let level = LogLevel(name: required("PLANTBUDDY_LOG_LEVEL")) else {
            throw ConfigurationError(setting: "PLANTBUDDY_LOG_LEVEL", message: "expected debug, info, warn or error")
        }
        logLevel = level

        server.limits.maxBodyBytes = try count("PLANTBUDDY_MAX_BODY_BYTES")
        server.limits.maxRequestLineBytes = try count("PLANTBUDDY_MAX_REQUEST_LINE_BYTES")
        server.limits.maxHeadBytes = try count("PLANTBUDDY_MAX_HEADER_BYTES")
        server.limits.maxHeaderCount = try count("PLANTBUDDY_MAX_HEADER_COUNT")
        server.maxConnections = try count("PLANTBUDDY_MAX_CONNECTIONS")
        server.headerReadTimeout = try duration("PLANTBUDDY_HEADER_TIMEOUT")
        server.bodyReadTimeout = try duration("PLANTBUDDY_BODY_TIMEOUT")
        server.idleTimeout = try duration("PLANTBUDDY_IDLE_TIMEOUT")
        server.writeTimeout = try duration("PLANTBUDDY_WRITE_TIMEOUT")
        server.shutdownGracePeriod = try duration("PLANTBUDDY_SHUTDOWN_GRACE")
        if required("PLANTBUDDY_IO_THREADS") != "auto" { server.ioThreads = try count("PLANTBUDDY_IO_THREADS") }
        server.workerThreads = try count("PLANTBUDDY_WORKER_THREADS")

        walFsync = try boolean("PLANTBUDDY_WAL_FSYNC")
        maxBufferedBytes = try count("PLANTBUDDY_BUFFER_MAX_BYTES")
        walSegmentBytes = try count("PLANTBUDDY_WAL_SEGMENT_BYTES")
        delivery.batchLines = try count("PLANTBUDDY_BATCH_LINES")
        delivery.batchBytes = try count("PLANTBUDDY_BATCH_BYTES")
        delivery.flushInterval = try duration("PLANTBUDDY_FLUSH_INTERVAL")
        delivery.retryInitial = try duration("PLANTBUDDY_RETRY_INITIAL")
        delivery.retryMax = try duration("PLANTBUDDY_RETRY_MAX")
        delivery.shutdownGrace = try duration("PLANTBUDDY_FLUSH_GRACE")

        downsampledBucket = required("INFLUX_DOWNSAMPLED_BUCKET")
        fluxDirectory = required("PLANTBUDDY_FLUX_DIR")
        templatesDirectory = required("PLANTBUDDY_TEMPLATES_DIR")
        passwordIterations = try count("PLANTBUDDY_PASSWORD_ITERATIONS")
        sessionLifetime = try duration("PLANTBUDDY_SESSION_TTL")
        notifySecret = try secret("PLANTBUDDY_NOTIFY_SECRET") ?? ""
        guard let threshold = Double(required("PLANTBUDDY_SOIL_CRIT")), threshold.isFinite else {
            throw ConfigurationError(
                setting: "PLANTBUDDY_SOIL_CRIT", message: "expected a number, got '\(required("PLANTBUDDY_SOIL_CRIT"))'"
            )
        }
        soilCritThreshold = threshold
        rawRetention = try duration("INFLUX_RAW_RETENTION")
        downsampledRetention = try duration("INFLUX_DOWNSAMPLED_RETENTION")
        let smtpURL = required("PLANTBUDDY_SMTP_URL")
        if !smtpURL.isEmpty {
            guard smtpURL.hasPrefix("smtp://") || smtpURL.hasPrefix("smtps://") else {
                throw ConfigurationError(
                    setting: "PLANTBUDDY_SMTP_URL", message: "expected smtp:// or smtps://, got '\(smtpURL)'")
            }
            var server = MailServer(url: smtpURL)
            server.username = required("PLANTBUDDY_SMTP_USERNAME")
            server.password = try secret("PLANTBUDDY_SMTP_PASSWORD") ?? ""
            mail = MailSettings(server: server, from: required("PLANTBUDDY_SMTP_FROM"))
        }
        metricsToken = required("PLANTBUDDY_METRICS_TOKEN")
        notifyAttempts = try count("PLANTBUDDY_NOTIFY_ATTEMPTS")
        notifyRetry = try duration("PLANTBUDDY_NOTIFY_RETRY")
        loginAttempts = try count("PLANTBUDDY_LOGIN_ATTEMPTS")
        loginWindow = try duration("PLANTBUDDY_LOGIN_WINDOW")
        proxyUserHeader = required("PLANTBUDDY_PROXY_USER_HEADER")
        trustedProxies = Set(
            required("PLANTBUDDY_TRUSTED_PROXIES").split(separator: ",").map { $0.trimmingCharacters(in: " ") })
        if !proxyUserHeader.isEmpty && trustedProxies.isEmpty {
            throw ConfigurationError(
                setting: "PLANTBUDDY_TRUSTED_PROXIES",
                message: "must list the proxy addresses when PLANTBUDDY_PROXY_USER_HEADER is set")
        }
        publicURL = required("PLANTBUDDY_PUBLIC_URL")
        if !publicURL.isEmpty && !publicURL.hasPrefix("http://") && !publicURL.hasPrefix("https://") {
            throw ConfigurationError(setting: "PLANTBUDDY_PUBLIC_URL", message: "expected an http:// or https:// URL")
        }
    }

    /// Environment first, then `--flag value` / `--flag=value` on top.
    private static func merge(arguments: [String], environment: [String: String]) throws(ConfigurationError) -> [String:
        String]
    {
        var values: [String: String] = [:]
        for setting in Setting.all { values[setting.environment] = environment[setting.environment] }
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            guard let setting = Setting.all.first(where: { $0.flag == parts[0] }) else {
                throw ConfigurationError(setting: argument, message: "unknown option (see plantbuddy help)")
            }
            if parts.count == 2 {
                values[setting.environment] = parts[1]
            } else {
                guard index + 1 < arguments.count else {
                    throw ConfigurationError(setting: setting.flag, message: "needs a value")
                }
                index += 1
                values[setting.environment] = arguments[index]
            }
            index += 1
        }
        return values
    }

    static func hostAndPort(_ text: String) throws(ConfigurationError) -> (String, UInt16) {
        let error = ConfigurationError(setting: "PLANTBUDDY_LISTEN", message: "expected host:port, got '\(text)'")
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else {
            throw error
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw error }
        return (host, port)
    }

    static func count(_ text: String, setting: String) throws(ConfigurationError) -> Int {
        guard let value = Int(text), value > 0 else {
            throw ConfigurationError(setting: setting, message: "expected a positive whole number, got '\(text)'")
        }
        return value
    }

    /// `250ms`, `10s`, `5m`, `1h`, `7d`.
    static func duration(_ text: String, setting: String) throws(ConfigurationError) -> Duration {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (suffix, milliseconds) in units where text.hasSuffix(suffix) {
            if let number = Int64(text.dropLast(suffix.count)), number > 0 {
                return .milliseconds(number * milliseconds)
            }
        }
        throw ConfigurationError(setting: setting, message: "expected a duration like 500ms, 10s or 5m, got '\(text)'")
    }
}
