import Hashing

/// One of Plant Buddy's InfluxDB 3 plugins and the trigger that runs it, as setup installs them.
struct PluginTrigger {
    /// The file in `PLANTBUDDY_PLUGINS_DIR`, and its name on the server.
    let plugin: String
    /// What every trigger of this plugin is named with, before the digest.
    let prefix: String
    /// `every:10m` and the like.
    let specification: String
    /// Never a secret: 3.x shows trigger arguments in a system table.
    let arguments: [String: String]

    static let downsample = "plantbuddy_downsample.py"
    static let alerts = "plantbuddy_alerts.py"

    /// The prefix and 12 hex digits of the SHA-256 of the plugin, its schedule and arguments: a
    /// trigger of that name is exactly this one, so a second run finds it and changes nothing, and a
    /// changed plugin or setting is a new name (3.x cannot change a trigger in place).
    func name(pluginContent: String) -> String {
        let arguments = arguments.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let digest = SHA256.hash(([pluginContent, specification] + arguments).joined(separator: "\n"))
        return prefix + digest.prefix(6).map { String(UInt16($0) | 0x100, radix: 16).dropFirst() }.joined()
    }

    /// What the trigger is created with, on `database`, errors logged.
    func definition(name: String, database: String) -> [String: Any] {
        [
            "db": database, "plugin_filename": plugin, "trigger_name": name, "trigger_specification": specification,
            "trigger_settings": ["run_async": false, "error_behavior": "log"], "trigger_arguments": arguments,
            "disabled": false,
        ]
    }
}
