import Foundation
import HTTPServer
import InfluxClient
import PlantBuddy
import Testing

@Suite struct ConfigurationTests {
    @Test func flagsOverrideEnvironment() throws {
        let configuration = try Configuration(
            arguments: ["--listen", "[::1]:8080", "--influx-bucket=plants"],
            environment: [
                "PLANTBUDDY_LISTEN": "0.0.0.0:1", "INFLUX_BUCKET": "x", "INFLUX_DB": "legacy",
                "PLANTBUDDY_IDLE_TIMEOUT": "250ms",
            ])
        #expect(configuration.server.host == "::1" && configuration.server.port == 8080)
        #expect(configuration.influx.bucket == "plants" && configuration.influx.database == "legacy")
        #expect(configuration.server.idleTimeout == .milliseconds(250))
    }

    /// A bad setting stops start-up with an error that names it.
    @Test(arguments: [
        (["PLANTBUDDY_LISTEN": "5000"], "PLANTBUDDY_LISTEN"),
        (["INFLUX_URL": "localhost:8086"], "INFLUX_URL"),
        (["INFLUX_API": "v4"], "INFLUX_API"),
        (["INFLUX_API": "v2"], "INFLUX_ORG"),
        (["INFLUX_TOKEN_FILE": "/nonexistent/token"], "INFLUX_TOKEN_FILE"),
        (["PLANTBUDDY_MAX_BODY_BYTES": "-1"], "PLANTBUDDY_MAX_BODY_BYTES"),
        (["PLANTBUDDY_HEADER_TIMEOUT": "soon"], "PLANTBUDDY_HEADER_TIMEOUT"),
        (["PLANTBUDDY_SENSORS": "S=soil"], "PLANTBUDDY_SENSORS"),
        (["PLANTBUDDY_LOG_LEVEL": "loud"], "PLANTBUDDY_LOG_LEVEL"),
    ])
    func badSettingIsNamed(environment: [String: String], setting: String) {
        #expect {
            try Configuration(arguments: [], environment: environment)
        } throws: { error in
            (error as? ConfigurationError)?.setting == setting
        }
    }

    @Test func everySettingHasAFlagDerivedFromItsName() {
        #expect(Setting.all.first { $0.environment == "PLANTBUDDY_DATA_DIR" }?.flag == "--data-dir")
        #expect(Setting.all.first { $0.environment == "INFLUX_TOKEN_FILE" }?.flag == "--influx-token-file")
        #expect(Set(Setting.all.map(\.flag)).count == Setting.all.count)
    }
}

@Suite struct SettingsAgreeEverywhere {
    /// Each setting is declared once; `plantbuddy help`, the README's table and `Configuration()`
    /// must all say the same of every one, and the README must list no setting that does not exist.
    @Test func helpTheREADMEAndTheDefaultsAgreeOnEverySetting() throws {
        let readme = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                "../../README.md"), encoding: .utf8)
        var help = ""
        #expect(Command.run(["help"], environment: [:], output: { help += $0 }, errors: { _ in }) == 0)
        let defaults = Configuration()
        for setting in Setting.all {
            let defaultText =
                switch setting.defaultValue {
                case nil: "*(unset)*"
                case "": "*(empty)*"
                case let value?: "`\(value)`"
                }
            #expect(
                readme.contains("| `\(setting.environment)` | `\(setting.flag)` | \(defaultText) | \(setting.help) |"),
                "README row of \(setting.environment)")
            #expect(
                help.contains(
                    "\(setting.flag) / \(setting.environment) (\(setting.defaultValue ?? "unset")): \(setting.help)"),
                "help line of \(setting.environment)")
            #expect(setting.holdsDefault(in: defaults), "Configuration() holds the default of \(setting.environment)")
        }
        let readmeRows = readme.split(separator: "\n").filter { $0.hasPrefix("| `") && $0.contains("` | `--") }
        #expect(readmeRows.count == Setting.all.count)
    }

    /// A value given for a setting is the value the configuration holds (no later setting overwrites it).
    @Test func everySettingHoldsTheValueGivenForIt() throws {
        let samples = [
            "PLANTBUDDY_LISTEN": "[::1]:8080", "INFLUX_URL": "https://influx.example:8086/",
            "INFLUX_DB": "legacy", "INFLUX_API": "v1", "PLANTBUDDY_IO_THREADS": "3",
            "PLANTBUDDY_SENSORS": "PH=soil_ph", "PLANTBUDDY_LOG_LEVEL": "debug",
            "PLANTBUDDY_TRUSTED_PROXIES": "10.0.0.1",
            "PLANTBUDDY_PUBLIC_URL": "https://plants.example", "PLANTBUDDY_SMTP_URL": "smtp://mail.example:587",
            "INFLUX_GZIP": "true", "PLANTBUDDY_WAL_FSYNC": "false", "PLANTBUDDY_SOIL_CRIT": "12.5",
            "PLANTBUDDY_GATEWAY_ALERTS": "off",
        ]
        for setting in Setting.all where setting.defaultValue != nil {
            let value = samples[setting.environment] ?? Self.otherValue(than: setting.defaultValue!)
            // A proxy's user header is believed only from listed addresses, so it needs them.
            let companion =
                setting.environment == "PLANTBUDDY_PROXY_USER_HEADER" ? ["--trusted-proxies", "127.0.0.1"] : []
            let configuration = try Configuration(arguments: [setting.flag, value] + companion, environment: [:])
            #expect(setting.holds(value, in: configuration), "\(setting.environment)=\(value)")
            #expect(!setting.holdsDefault(in: configuration), "\(setting.environment) changed nothing")
        }
    }

    /// A different value of the same kind: durations and counts doubled, text changed.
    private static func otherValue(than text: String) -> String {
        if let number = Int(text) { return String(number * 2) }
        if let unit = text.last, unit.isLetter, let number = Int(text.dropLast()) { return "\(number * 2)\(unit)" }
        if text.hasSuffix("ms"), let number = Int(text.dropLast(2)) { return "\(number * 2)ms" }
        return text.isEmpty ? "something" : text + "-other"
    }
}
