import Foundation
import HTTPServer
import InfluxClient
import PlantBuddy
import Testing

@Suite struct ConfigurationTests {
    @Test func defaultsMatchTheREADME() throws {
        let configuration = try Configuration(arguments: [], environment: [:])
        #expect(configuration.server.host == "127.0.0.1" && configuration.server.port == 5000)
        #expect(configuration.dataDirectory == "./data")
        #expect(configuration.influx.bucket == "plantbuddy" && configuration.influx.database == "plantbuddy")
        #expect(configuration.influx.api == .auto)
        #expect(configuration.sensors == .standard)
    }

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
        (["INFLUX_API": "v3"], "INFLUX_API"),
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

@Suite struct READMETests {
    /// The README's configuration table lists every setting with its flag and default.
    @Test func configurationTableMatchesTheSettings() throws {
        let readme = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                "../../README.md"), encoding: .utf8)
        for setting in Setting.all {
            let defaultText =
                switch setting.defaultValue {
                case nil: "*(unset)*"
                case "": "*(empty)*"
                case let value?: "`\(value)`"
                }
            #expect(
                readme.contains("| `\(setting.environment)` | `\(setting.flag)` | \(defaultText) |"),
                "\(setting.environment)")
        }
    }
}
