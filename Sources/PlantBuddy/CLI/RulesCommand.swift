/// `plantbuddy rules …`: the operator's side of the alert rules people set on their settings page.
/// A change takes effect in a running gateway on its next request, as user changes do.
enum RulesCommand {
    static let usage = """
          plantbuddy rules add USER --sensor NAME [--device ID] (--below N | --above N | --silent-for DURATION)
                               [--channels page,webhook,email]
                                                 add an alert rule; prints its id (--below: at or below)
          plantbuddy rules list USER             the user's rules, the default soil rule included
          plantbuddy rules remove USER ID        delete a rule
        """

    static func run(
        _ arguments: [String], environment: [String: String], output: (String) -> Void, errors: (String) -> Void
    ) -> Int32 {
        guard arguments.count >= 2 else {
            errors(Command.usage)
            return 2
        }
        let (subcommand, user) = (arguments[0], arguments[1])
        var options = Array(arguments.dropFirst(2))
        var ruleID: String?
        if let first = options.first, !first.hasPrefix("--") { ruleID = options.removeFirst() }
        let taken = Command.takeOptions(
            ["--sensor", "--device", "--below", "--above", "--silent-for", "--channels"], from: &options)
        let given = Dictionary(taken.map { ($0.flag, $0.value) }, uniquingKeysWith: { _, last in last })
        guard let configuration = Command.configuration(options, environment: environment, errors: errors) else {
            return 2
        }
        let store = UserStore(dataDirectory: configuration.dataDirectory)
        do throws(UserStoreError) {
            switch (subcommand, ruleID) {
            case ("add", nil):
                let rule: AlertRule
                do {
                    rule = try Self.rule(from: given, limits: configuration.alertLimits)
                } catch {
                    errors("error: \(error.description)")
                    return 2
                }
                let stored = try store.addRule(
                    rule, for: user, catalog: configuration.sensors, limits: configuration.alertLimits)
                output(stored.id)
            case ("list", nil):
                guard let record = store.user(named: user) else { throw .notFound(user) }
                let rules = AlertRules(defaultSoilThreshold: configuration.soilCritThreshold)
                for rule in rules.rules(of: record) {
                    let channels = rule.channels.map { $0.sorted().map(\.rawValue).joined(separator: ",") } ?? "all"
                    let marker = rule.id == AlertRules.defaultSoilID ? " (default)" : ""
                    output("\(rule.id)\t\(rule.summary(deviceName: record.deviceName))\tchannels: \(channels)\(marker)")
                }
            case ("remove", let id?):
                try store.removeRule(id, for: user)
            default:
                errors(Command.usage)
                return 2
            }
        } catch {
            errors("error: \(error)")
            return 1
        }
        return 0
    }

    /// The rule the options describe: exactly one condition.
    static func rule(from options: [String: String], limits: AlertRuleLimits) throws(AlertRuleError) -> AlertRule {
        guard let sensor = options["--sensor"] else { throw AlertRuleError("--sensor NAME is required") }
        let conditions = ["--below", "--above", "--silent-for"].filter { options[$0] != nil }
        guard conditions.count == 1, let text = options[conditions[0]] else {
            throw AlertRuleError("give exactly one of --below N, --above N, --silent-for DURATION")
        }
        let condition: AlertCondition
        switch conditions[0] {
        case "--silent-for":
            guard let seconds = try? SettingValue.wholeSeconds(text) else {
                throw AlertRuleError("--silent-for takes a duration such as 30m or 2h, got '\(text)'")
            }
            condition = .silentFor(seconds: seconds)
        default:
            guard let value = Double(text) else {
                throw AlertRuleError("\(conditions[0]) takes a number, got '\(text)'")
            }
            condition = conditions[0] == "--below" ? .atOrBelow(value) : .atOrAbove(value)
        }
        var channels: Set<AlertChannel>?
        if let list = options["--channels"] {
            let names = list.split(separator: ",").map(String.init)
            let parsed = names.compactMap(AlertChannel.init(rawValue:))
            guard parsed.count == names.count, !parsed.isEmpty else {
                throw AlertRuleError("--channels takes page, webhook and email, comma-separated, got '\(list)'")
            }
            channels = Set(parsed + [.page])  // the page (the person's history) always has it
        }
        return AlertRule(sensor: sensor, deviceID: options["--device"], condition: condition, channels: channels)
    }
}
