import CurlClient
import Foundation
import Glibc
import HTTPServer
import InfluxClient

/// `plantbuddy <command>`: the executable's whole behaviour, testable without a process.
public enum Command {
    public static let usage = """
        usage:
          plantbuddy serve [--flag value …]      run the gateway (settings: plantbuddy help)
          plantbuddy users add NAME [--password-stdin]
                                                 create a user; prints its device token once (the
                                                 password, for signing in, is stdin's first line)
          plantbuddy users set-password NAME --password-stdin
          plantbuddy users set-channels NAME [--webhook URL|none] [--email ADDRESS|none]
          plantbuddy users list                  list user names
          plantbuddy users remove NAME           delete a user
          plantbuddy users rotate-token NAME     replace a user's device token; prints the new one
          plantbuddy users name-device NAME DEVICE "Fern, kitchen window"
                                                 what the user calls a device ("" removes the name)
        \(RulesCommand.usage)
          plantbuddy simulate --url URL --token TOKEN [--devices N] [--interval 5s] [--dry] [--dry-cycle 4m]
                               [--backfill 48h]  first write this much history (one reading a minute)
          plantbuddy setup [--dry-run]           provision InfluxDB 2.x/Cloud: buckets, secret, tasks
          plantbuddy csv < response.csv          annotated CSV on stdin → JSON on stdout (debugging)
          plantbuddy render --input results.csv [--output graph.svg]
                                                 draw annotated CSV as the page's SVG chart
          plantbuddy healthcheck                 exit 0 if the gateway on PLANTBUDDY_LISTEN answers /ready
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
        case ("setup", _):
            var options = Array(arguments.dropFirst())
            let dryRun = options.contains("--dry-run")
            options.removeAll { $0 == "--dry-run" }
            do {
                let configuration = try Configuration(arguments: options, environment: environment)
                try withoutActuallyEscaping(output) { say in
                    try Setup(configuration: configuration, dryRun: dryRun, say: say).run()
                }
                return 0
            } catch {
                errors("error: \(error)")
                return 1
            }
        case ("healthcheck", _):
            // For container HEALTHCHECKs: the slim image has no curl binary, but has libcurl.
            do {
                let configuration = try Configuration(arguments: Array(arguments.dropFirst()), environment: environment)
                let host =
                    configuration.server.host == "0.0.0.0" || configuration.server.host == "::"
                    ? "127.0.0.1" : configuration.server.host
                let response = try CurlHTTPClient().send(
                    HTTPClientRequest(
                        url: "http://\(host.contains(":") ? "[\(host)]" : host):\(configuration.server.port)/ready"))
                return response.status == 200 ? 0 : 1
            } catch {
                errors("error: \(error)")
                return 1
            }
        case ("render", _):
            return render(Array(arguments.dropFirst()), output: output, errors: errors)
        case ("csv", _):
            let outcome = AnnotatedCSVJSON.convert(readChunk)
            output(outcome.json)
            return outcome.status
        case ("rules", _):
            return RulesCommand.run(
                Array(arguments.dropFirst()), environment: environment, output: output, errors: errors)
        case ("users", let subcommand?):
            return users(
                subcommand, Array(arguments.dropFirst(2)), environment: environment, output: output, errors: errors)
        default:
            errors(usage)
            return 2
        }
    }

    /// `render --input FILE [--output FILE]`: annotated CSV (as the graph query returns it) to SVG.
    private static func render(_ arguments: [String], output: (String) -> Void, errors: (String) -> Void) -> Int32 {
        var input: String?
        var outputPath: String?
        var index = 0
        while index + 1 < arguments.count {
            switch arguments[index] {
            case "--input": input = arguments[index + 1]
            case "--output": outputPath = arguments[index + 1]
            default:
                errors(usage)
                return 2
            }
            index += 2
        }
        guard index == arguments.count, let input, let data = FileManager.default.contents(atPath: input) else {
            errors("error: render needs --input FILE (annotated CSV) that can be read")
            return 2
        }
        var collector = SeriesCollector()
        var parser = AnnotatedCSVParser()
        do throws(AnnotatedCSVError) {
            try parser.feed(Array(data)) { collector.add($0) }
            try parser.finish { collector.add($0) }
        } catch {
            errors("error: \(error)")
            return 1
        }
        let series = collector.series
        let times = series.flatMap(\.times)
        let svg = Chart.svg(
            series, start: times.min() ?? 0, end: max(times.max() ?? 1, (times.min() ?? 0) + 1), title: input)
        if let outputPath {
            guard FileManager.default.createFile(atPath: outputPath, contents: Data(svg.utf8)) else {
                errors("error: cannot write \(outputPath)")
                return 1
            }
        } else {
            output(svg)
        }
        return 0
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
        // `name-device NAME DEVICE "NEW NAME"`: two more words before the settings.
        var positional: [String] = []
        while subcommand == "name-device", positional.count < 2, let next = options.first, !next.hasPrefix("--") {
            positional.append(options.removeFirst())
        }
        let passwordFromStdin = options.contains("--password-stdin")
        options.removeAll { $0 == "--password-stdin" }
        // `set-channels` takes --webhook URL and --email ADDRESS (or `none`); the rest are settings.
        let channelOptions = takeOptions(["--webhook", "--email"], from: &options)
        guard let configuration = configuration(options, environment: environment, errors: errors) else { return 2 }
        let store = UserStore(dataDirectory: configuration.dataDirectory)
        let hasher = PasswordHasher(iterations: configuration.passwordIterations)
        do {
            var passwordHash: String?
            if passwordFromStdin {
                guard let password = readLine(strippingNewline: true), !password.isEmpty else {
                    errors("error: --password-stdin: the first line of standard input must be the password")
                    return 2
                }
                passwordHash = hasher.hash(password)
            }
            switch (subcommand, name) {
            case ("add", let name?): output(try store.add(name, passwordHash: passwordHash))
            case ("set-channels", let name?):
                var channels = store.user(named: name)?.channels ?? NotificationChannels()
                for (flag, given) in channelOptions {
                    let value = given == "none" ? nil : given
                    if flag == "--webhook" { channels.webhook = value } else { channels.email = value }
                }
                try store.setChannels(channels, for: name)
            case ("set-password", let name?):
                guard let passwordHash else {
                    errors("error: set-password reads the password from standard input: add --password-stdin")
                    return 2
                }
                try store.setPasswordHash(passwordHash, for: name)
            case ("rotate-token", let name?): output(try store.rotateToken(name))
            case ("name-device", let name?) where positional.count == 2:
                try store.nameDevice(positional[0], positional[1], for: name)
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

    /// Removes `--name value` pairs of the given names from `options` (the rest are settings), in order.
    static func takeOptions(_ names: Set<String>, from options: inout [String]) -> [(flag: String, value: String)] {
        var taken: [(flag: String, value: String)] = []
        while let flag = options.firstIndex(where: names.contains), flag + 1 < options.count {
            taken.append((options[flag], options[flag + 1]))
            options.removeSubrange(flag...(flag + 1))
        }
        return taken
    }

    /// The settings a command was given; nil, with the error said, when one is bad.
    static func configuration(
        _ options: [String], environment: [String: String], errors: (String) -> Void
    ) -> Configuration? {
        do {
            return try Configuration(arguments: options, environment: environment)
        } catch {
            errors("error: \(error)")
            return nil
        }
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
            } else if ["--url", "--token", "--devices", "--interval", "--dry-cycle", "--backfill"].contains(flag),
                index + 1 < arguments.count
            {
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
            simulator.devices = try SettingValue.parse(devices, as: SettingValue.count, option: "--devices")
        }
        if let span = values["--backfill"] {
            simulator.backfill = try SettingValue.parse(span, as: SettingValue.duration, option: "--backfill")
        }
        if let cycle = values["--dry-cycle"] {
            simulator.dryingCycle = try SettingValue.parse(cycle, as: SettingValue.duration, option: "--dry-cycle")
        }
        if let interval = values["--interval"] {
            simulator.interval = try SettingValue.parse(interval, as: SettingValue.duration, option: "--interval")
        }
        return simulator
    }
}
