import Foundation
import InfluxClient

/// `plantbuddy setup` on InfluxDB 3 Core/Enterprise: the raw and downsampled databases with their
/// retention, the plugins in `Plugins/` (downsampling; alerts, when the gateway's public URL is set)
/// uploaded, and each one's trigger on the raw database created under a name that says which plugin
/// and settings it runs (`PluginTrigger`), so a second run sees that nothing changed and sends
/// nothing, and outdated triggers are deleted; `--dry-run` says what it would do.
struct SetupInfluxDB3 {

    let configuration: Configuration
    let dryRun: Bool
    let say: (String) -> Void
    let client: InfluxDBClient
    let http: SetupHTTP

    var raw: String { configuration.influx.database }
    private var downsampled: String { configuration.downsampledBucket }

    func run() throws(Setup.Failure) {
        let existing = try databases()
        try ensureDatabase(raw, retention: configuration.rawRetention, existing: existing)
        try ensureDatabase(downsampled, retention: configuration.downsampledRetention, existing: existing)
        try ensureTriggers()
        try ensureLastValueCaches()
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

    // MARK: The plugins and their triggers

    /// Downsampling every 10 minutes; alerts every minute, when the gateway's public URL is known.
    var triggers: [PluginTrigger] {
        let tables = configuration.sensors.measurements.values.sorted().joined(separator: ",")
        var triggers = [
            PluginTrigger(
                plugin: PluginTrigger.downsample, prefix: ProcessingEngineTrigger.downsamplePrefix,
                specification: "every:10m",
                arguments: ["target_database": downsampled, "tables": tables, "window_seconds": "600"])
        ]
        if !configuration.publicURL.isEmpty {
            triggers.append(
                PluginTrigger(
                    plugin: PluginTrigger.alerts, prefix: ProcessingEngineTrigger.alertsPrefix,
                    specification: "every:1m",
                    arguments: [
                        "notify_url": Configuration.url(configuration.publicURL, path: "/notify"), "tables": tables,
                        "lookback_seconds": String(configuration.alertLimits.maxSilenceSeconds),
                    ]))
        }
        return triggers
    }

    private func ensureTriggers() throws(Setup.Failure) {
        let installed = try installedTriggers()
        for trigger in triggers {
            try ensure(trigger, installed: installed.filter { $0.name.hasPrefix(trigger.prefix) })
        }
        if configuration.publicURL.isEmpty {
            say(
                "no alerts trigger: set PLANTBUDDY_PUBLIC_URL (where /notify is); the gateway evaluates alerts meanwhile"
            )
        } else {
            say(
                "the alerts plugin reads PLANTBUDDY_NOTIFY_SECRET from the InfluxDB 3 server's environment: set it there"
            )
        }
    }

    private func ensure(_ trigger: PluginTrigger, installed: [ProcessingEngineTrigger]) throws(Setup.Failure) {
        let path = configuration.pluginsDirectory + "/" + trigger.plugin
        guard let content = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw Setup.Failure(description: "PLANTBUDDY_PLUGINS_DIR: cannot read \(path)")
        }
        let name = trigger.name(pluginContent: content)
        let current = installed.first { $0.name == name }
        let schedule = "plugin \(trigger.plugin), \(trigger.specification)"
        if let current, !current.disabled {
            say("trigger \(name) (\(schedule)) is up to date")
        } else if dryRun {
            say("would upload plugin \(trigger.plugin) and create trigger \(name) (\(trigger.specification))")
        } else {
            let upload: [String: Any] = ["plugin_name": trigger.plugin, "content": content]
            let created = try http.call("POST", "/api/v3/plugins/files", json: upload, expect: [200, 201, 409])
            if created.status == 409 {
                _ = try http.call("PUT", "/api/v3/plugins/files", json: upload, expect: [200, 201])
            }
            if current != nil { try deleteTrigger(name) }  // there but disabled: made again
            _ = try http.call(
                "POST", "/api/v3/configure/processing_engine_trigger",
                json: trigger.definition(name: name, database: raw),
                expect: [200, 201])
            say("uploaded plugin \(trigger.plugin) and created trigger \(name) (\(trigger.specification))")
        }
        // Triggers of another version of the plugin or of other settings would run it twice.
        for old in installed.map(\.name) where old != name {
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

    /// Plant Buddy's triggers on the raw database, as `system.processing_engine_triggers` lists them.
    private func installedTriggers() throws(Setup.Failure) -> [ProcessingEngineTrigger] {
        do {
            return try ProcessingEngineTrigger.installed(on: raw, influx: client)
        } catch {
            if dryRun, SQLReadings.isMissingDatabase(error) { return [] }
            throw Setup.Failure(description: "InfluxDB at \(configuration.influx.url) cannot list triggers: \(error)")
        }
    }
}
