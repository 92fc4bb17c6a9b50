import Foundation
import Hashing
import InfluxClient

/// `plantbuddy setup` on InfluxDB 3 Core/Enterprise: the raw and downsampled databases with their
/// retention, the downsampling plugin (`Plugins/plantbuddy_downsample.py`) uploaded, and its trigger
/// on the raw database created under a name that says which plugin and settings it runs, so a second
/// run sees that nothing changed and sends nothing, and outdated triggers are deleted; `--dry-run`
/// says what it would do.
struct SetupInfluxDB3 {
    static let plugin = "plantbuddy_downsample.py"

    let configuration: Configuration
    let dryRun: Bool
    let say: (String) -> Void
    let client: InfluxDBClient
    let http: SetupHTTP

    private var raw: String { configuration.influx.database }
    private var downsampled: String { configuration.downsampledBucket }

    func run() throws(Setup.Failure) {
        let existing = try databases()
        try ensureDatabase(raw, retention: configuration.rawRetention, existing: existing)
        try ensureDatabase(downsampled, retention: configuration.downsampledRetention, existing: existing)
        try ensureTrigger()
    }

    // MARK: Databases

    private func databases() throws(Setup.Failure) -> Set<String> {
        let answer = try http.call("GET", "/api/v3/configure/database?format=json", expect: [200])
        let rows = answer.json as? [[String: Any]] ?? []
        return Set(rows.compactMap { $0["iox::database"] as? String })
    }

    private func ensureDatabase(_ name: String, retention: Duration, existing: Set<String>) throws(Setup.Failure) {
        let period = Self.retentionPeriod(retention)
        guard !existing.contains(name) else {
            say("database \(name) exists")
            return
        }
        if dryRun {
            say("would create database \(name) (retention \(period))")
            return
        }
        _ = try http.call(
            "POST", "/api/v3/configure/database", json: ["db": name, "retention_period": period],
            expect: [200, 201, 204])
        say("created database \(name) (retention \(period))")
    }

    /// `30d`, or seconds when the retention is not whole days.
    static func retentionPeriod(_ retention: Duration) -> String {
        let seconds = retention.components.seconds
        return seconds % 86_400 == 0 ? "\(seconds / 86_400)d" : "\(seconds)s"
    }

    // MARK: The downsampling plugin and its trigger

    /// The trigger's arguments: where the means go, of which tables, over which window.
    var triggerArguments: [String: String] {
        [
            "target_database": downsampled,
            "tables": configuration.sensors.measurements.values.sorted().joined(separator: ","),
            "window_seconds": "600",
        ]
    }

    /// `plantbuddy_downsample_` and 12 hex digits of the SHA-256 of the plugin and its arguments: a
    /// trigger of that name is exactly this one, so a second run finds it and changes nothing, and a
    /// changed plugin or setting is a new name (3.x cannot change a trigger in place).
    func triggerName(pluginContent: String) -> String {
        let arguments = triggerArguments.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let digest = SHA256.hash(pluginContent + "\n" + arguments.joined(separator: "\n"))
        return Self.triggerPrefix + digest.prefix(6).map { String(UInt16($0) | 0x100, radix: 16).dropFirst() }.joined()
    }

    static let triggerPrefix = "plantbuddy_downsample_"

    /// What the trigger is created with: every 10 minutes on the raw database, errors logged.
    func triggerDefinition(name: String) -> [String: Any] {
        [
            "db": raw, "plugin_filename": Self.plugin, "trigger_name": name, "trigger_specification": "every:10m",
            "trigger_settings": ["run_async": false, "error_behavior": "log"], "trigger_arguments": triggerArguments,
            "disabled": false,
        ]
    }

    private func ensureTrigger() throws(Setup.Failure) {
        let path = configuration.pluginsDirectory + "/" + Self.plugin
        guard let content = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw Setup.Failure(description: "PLANTBUDDY_PLUGINS_DIR: cannot read \(path)")
        }
        let name = triggerName(pluginContent: content)
        let installed = try installedTriggers()
        let current = installed.first { $0["trigger_name"]?.text == name }
        if let current, current["disabled"] != .bool(true) {
            say("trigger \(name) (plugin \(Self.plugin), every:10m) is up to date")
        } else if dryRun {
            say("would upload plugin \(Self.plugin) and create trigger \(name) (every:10m)")
        } else {
            let upload: [String: Any] = ["plugin_name": Self.plugin, "content": content]
            let created = try http.call("POST", "/api/v3/plugins/files", json: upload, expect: [200, 201, 409])
            if created.status == 409 {
                _ = try http.call("PUT", "/api/v3/plugins/files", json: upload, expect: [200, 201])
            }
            if current != nil { try deleteTrigger(name) }  // there but disabled: made again
            _ = try http.call(
                "POST", "/api/v3/configure/processing_engine_trigger", json: triggerDefinition(name: name),
                expect: [200, 201])
            say("uploaded plugin \(Self.plugin) and created trigger \(name) (every:10m)")
        }
        // Triggers of another version of the plugin or of other settings would downsample twice.
        for old in installed.compactMap({ $0["trigger_name"]?.text }) where old != name {
            if dryRun {
                say("would delete the outdated trigger \(old)")
            } else {
                try deleteTrigger(old)
                say("deleted the outdated trigger \(old)")
            }
        }
    }

    private func deleteTrigger(_ name: String) throws(Setup.Failure) {
        _ = try http.call(
            "DELETE",
            "/api/v3/configure/processing_engine_trigger?db=\(SetupHTTP.percent(raw))&trigger_name="
                + "\(SetupHTTP.percent(name))&force=true", expect: [200, 204])
    }

    /// Plant Buddy's downsampling triggers on the raw database, as `system.processing_engine_triggers` lists them.
    private func installedTriggers() throws(Setup.Failure) -> [[String: JSONScalar]] {
        var found: [[String: JSONScalar]] = []
        do {
            try client.sql(
                "SELECT trigger_name, plugin_filename, trigger_specification, disabled "
                    + "FROM system.processing_engine_triggers", database: raw
            ) { row in
                if row["trigger_name"]?.text?.hasPrefix(Self.triggerPrefix) == true { found.append(row) }
            }
        } catch {
            throw Setup.Failure(description: "InfluxDB at \(configuration.influx.url) cannot list triggers: \(error)")
        }
        return found
    }
}
