import CurlClient
public import HTTPServer
public import InfluxClient
public import Observability

/// Everything `plantbuddy serve` needs, read from flags (which win) and the environment.
///
/// Every value comes from `Setting.all`, which declares each setting once: the initial values
/// below are placeholders that both initialisers overwrite, and `Configuration()` is the table's
/// defaults. Tests change the properties directly.
public struct Configuration: Sendable {
    public var server = HTTPServerConfiguration()
    public var dataDirectory = ""
    public var influx = InfluxConfiguration(url: "")
    public var influxTimeout: Duration = .zero
    public var sensors = SensorCatalog.standard
    public var logLevel = LogLevel.info
    /// How often a failure repeating many times a second logs how many more there were.
    public var logRepeatInterval: Duration = .zero
    public var walFsync = false
    public var maxBufferedBytes = 0
    public var walSegmentBytes = 0
    public var walMemoryBytes = 0
    public var delivery = DeliveryPolicy()
    public var downsampledBucket = ""
    public var fluxDirectory = ""
    public var pluginsDirectory = ""
    public var templatesDirectory = ""
    public var passwordIterations = 0
    public var sessionLifetime: Duration = .zero
    public var publicURL = ""
    public var loginAttempts = 0
    public var notifySecret = ""
    public var metricsToken = ""
    /// The outgoing mail server, from the `PLANTBUDDY_SMTP_…` settings; nil: no e-mail.
    public var mail: MailSettings?
    public var notifyAttempts = 0
    public var notifyRetry: Duration = .zero
    public var soilCritThreshold = 0.0
    /// Whether the gateway takes part in alerting (`PLANTBUDDY_GATEWAY_ALERTS=auto`).
    public var gatewayAlerts = false
    public var alertLimits = AlertRuleLimits(maxRulesPerUser: 0, minSilenceSeconds: 0, maxSilenceSeconds: 0)
    public var rawRetention: Duration = .zero
    public var downsampledRetention: Duration = .zero
    public var loginWindow: Duration = .zero
    public var proxyUserHeader = ""
    public var trustedProxies: Set<String> = []
    /// The `PLANTBUDDY_SMTP_…` texts `mail` is made of.
    var smtp = SMTPSettings()

    /// The defaults of `Setting.all`.
    public init() {
        do {
            try self.init(arguments: [], environment: [:])
        } catch {
            // The defaults are constants, and a test parses every one of them.
            fatalError("a default setting does not parse: \(error)")
        }
    }

    /// Reads the settings; the first bad one stops with an error naming it.
    public init(arguments: [String], environment: [String: String]) throws(ConfigurationError) {
        let texts = try Self.merge(arguments: arguments, environment: environment)
        for setting in Setting.all {
            guard let text = texts[setting.environment] ?? setting.defaultValue else { continue }
            do {
                try setting.apply(&self, text)
            } catch {
                throw ConfigurationError(setting: setting.environment, message: error.message)
            }
        }
        try checkCombinations()
        if !smtp.url.isEmpty {
            var server = MailServer(url: smtp.url)
            server.username = smtp.username
            server.password = smtp.password
            mail = MailSettings(server: server, from: smtp.from)
        }
    }

    /// Settings that are each fine alone but not together.
    private func checkCombinations() throws(ConfigurationError) {
        if influx.api == .v2 && influx.org.isEmpty {
            throw ConfigurationError(setting: "INFLUX_ORG", message: "is required with INFLUX_API=v2")
        }
        if !proxyUserHeader.isEmpty && trustedProxies.isEmpty {
            throw ConfigurationError(
                setting: "PLANTBUDDY_TRUSTED_PROXIES",
                message: "must list the proxy addresses when PLANTBUDDY_PROXY_USER_HEADER is set")
        }
    }

    var listen: ListenAddress {
        get { ListenAddress(host: server.host, port: server.port) }
        set {
            server.host = newValue.host
            server.port = newValue.port
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
}

/// The mail server settings as given, before they become `MailSettings`.
struct SMTPSettings: Equatable {
    var url = ""
    var from = ""
    var username = ""
    var password = ""
}

extension Configuration {
    /// `base` (a public URL such as `PLANTBUDDY_PUBLIC_URL`) with `path` after it, one slash between.
    static func url(_ base: String, path: String) -> String {
        (base.hasSuffix("/") ? String(base.dropLast()) : base) + path
    }
}
