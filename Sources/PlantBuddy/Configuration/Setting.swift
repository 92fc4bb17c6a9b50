import Foundation

/// One configurable value, declared once: its environment variable (the flag is derived from it),
/// its default, what it means, and how its text becomes a value of `Configuration`. `Setting.all`
/// is the single source of `Configuration()`, `plantbuddy help` and the README's table.
public struct Setting: Sendable {
    public let environment: String
    /// The text applied when neither the environment nor a flag gives one; nil: not applied at all.
    public let defaultValue: String?
    public let help: String
    /// Parses the text and stores the value in the configuration.
    let apply: @Sendable (inout Configuration, String) throws(InvalidSettingValue) -> Void
    private let holdsValue: @Sendable (Configuration, String) -> Bool

    /// `PLANTBUDDY_DATA_DIR` → `--data-dir`, `INFLUX_URL` → `--influx-url`.
    public var flag: String {
        let name =
            environment.hasPrefix("PLANTBUDDY_") ? String(environment.dropFirst("PLANTBUDDY_".count)) : environment
        return "--" + name.lowercased().replacingOccurrences(of: "_", with: "-")
    }

    /// A setting stored at one place of the configuration.
    init<Value: Equatable & Sendable>(
        _ environment: String, default defaultValue: String?, _ help: String,
        _ target: any WritableKeyPath<Configuration, Value> & Sendable,
        _ parse: @escaping @Sendable (String) throws(InvalidSettingValue) -> Value
    ) {
        self.environment = environment
        self.defaultValue = defaultValue
        self.help = help
        apply = { configuration, text throws(InvalidSettingValue) in configuration[keyPath: target] = try parse(text) }
        holdsValue = { configuration, text in (try? parse(text)) == configuration[keyPath: target] }
    }

    /// A secret read from the file a `…_FILE` setting names (its first line), stored at `target`.
    static func secretFile(
        _ environment: String, _ help: String, _ target: any WritableKeyPath<Configuration, String> & Sendable
    ) -> Setting {
        Setting(environment, default: nil, help, target, SettingValue.firstLine(ofFile:))
    }

    /// Whether the configuration holds what `text` means for this setting (so tests can prove that
    /// `Configuration()` is the table's defaults, and that no setting overwrites another).
    public func holds(_ text: String, in configuration: Configuration) -> Bool { holdsValue(configuration, text) }

    /// Whether the configuration holds this setting's default (a setting without one holds trivially).
    public func holdsDefault(in configuration: Configuration) -> Bool {
        defaultValue.map { holds($0, in: configuration) } ?? true
    }
}
