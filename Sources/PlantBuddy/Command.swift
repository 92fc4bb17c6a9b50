import Foundation
import Glibc
import HTTPServer

/// `plantbuddy <command>`: the executable's whole behaviour, testable without a process.
public enum Command {
    public static let usage = """
        usage:
          plantbuddy serve [--flag value …]      run the gateway (settings: plantbuddy help)
          plantbuddy users add NAME              create a user; prints its device token once
          plantbuddy users list                  list user names
          plantbuddy users remove NAME           delete a user
          plantbuddy users rotate-token NAME     replace a user's device token; prints the new one
          plantbuddy simulate --url URL --token TOKEN [--devices N] [--interval 5s] [--dry]
          plantbuddy csv < response.csv          annotated CSV on stdin → JSON on stdout (debugging)
          plantbuddy help                        list every setting
        """

    /// Runs a command other than `serve` (which the executable runs itself, for signal handling).
    /// Standard input, 64 KiB at a time; nil at the end.
    private static func readChunk() -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let count = chunk.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
        return count > 0 ? Array(chunk.prefix(count)) : nil
    }

    public static func run(
        _ arguments: [String], environment: [String: String], output: (String) -> Void,
        errors: (String) -> Void
    ) -> Int32 {
        switch (arguments.first, arguments.dropFirst().first) {
        case ("help", _), ("--help", _), ("-h", _):
            output(usage + "\n\nsettings (flag / environment variable, default):\n" + settingsTable())
            return 0
        case ("csv", _):
            let outcome = AnnotatedCSVJSON.convert(readChunk)
            output(outcome.json)
            return outcome.status
        case ("users", let subcommand?):
            return users(
                subcommand, Array(arguments.dropFirst(2)), environment: environment, output: output, errors: errors)
        default:
            errors(usage)
            return 2
        }
    }

    static func settingsTable() -> String {
        Setting.all.map { "  \($0.flag) / \($0.environment) (\($0.defaultValue ?? "unset")): \($0.help)" }
            .joined(separator: "\n")
    }

    private static func users(
        _ subcommand: String, _ rest: [String], environment: [String: String], output: (String) -> Void,
        errors: (String) -> Void
    ) -> Int32 {
        var options = rest
        var name: String?
        if let first = options.first, !first.hasPrefix("--") {
            name = first
            options.removeFirst()
        }
        let configuration: Configuration
        do {
            configuration = try Configuration(arguments: options, environment: environment)
        } catch {
            errors("error: \(error)")
            return 2
        }
        let store = UserStore(dataDirectory: configuration.dataDirectory)
        do {
            switch (subcommand, name) {
            case ("add", let name?): output(try store.add(name))
            case ("rotate-token", let name?): output(try store.rotateToken(name))
            case ("remove", let name?): try store.remove(name)
            case ("list", nil): for user in try store.list() { output(user.name) }
            default:
                errors(usage)
                return 2
            }
        } catch {
            errors("error: \(error)")
            return 1
        }
        return 0
    }

    /// Parses `simulate` options.
    public static func simulator(_ arguments: [String]) throws(ConfigurationError) -> Simulator {
        var values: [String: String] = [:]
        var dry = false
        var index = 0
        while index < arguments.count {
            let flag = arguments[index]
            if flag == "--dry" {
                dry = true
            } else if ["--url", "--token", "--devices", "--interval"].contains(flag), index + 1 < arguments.count {
                values[flag] = arguments[index + 1]
                index += 1
            } else {
                throw ConfigurationError(setting: flag, message: "unknown or incomplete simulate option")
            }
            index += 1
        }
        guard let url = values["--url"] else { throw ConfigurationError(setting: "--url", message: "is required") }
        guard let token = values["--token"] else {
            throw ConfigurationError(setting: "--token", message: "is required")
        }
        var simulator = Simulator(url: url, token: token)
        simulator.dry = dry
        if let devices = values["--devices"] {
            simulator.devices = try Configuration.count(devices, setting: "--devices")
        }
        if let interval = values["--interval"] {
            simulator.interval = try Configuration.duration(interval, setting: "--interval")
        }
        return simulator
    }
}
