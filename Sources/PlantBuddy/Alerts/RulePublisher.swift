import InfluxClient
import Synchronization

/// On InfluxDB 2.x and Cloud the alert check task (`Flux/alerts.flux`) evaluates every person's
/// rules: it reads them as points the gateway writes to the raw bucket, measurement
/// `plantbuddy_rules`, one series per rule (tags `user`, `rule_id`, `sensor`, `device_id` — `*` for
/// any device; fields `kind`, `threshold`, `silence_seconds`, `active`). The task reads each series'
/// last point, so a change is one new point, and a removed rule one point with `active=false`.
///
/// Changes are found by comparing with what was last written; everything is written again once a
/// day, so no rule ages out of the bucket's retention or the task's two-day look-back.
final class RulePublisher: Sendable {
    static let measurement = "plantbuddy_rules"
    static let republishEvery: Int64 = 86_400 * 1_000_000_000

    private struct Key: Hashable {
        let user: String
        let ruleID: String
    }

    private struct Published {
        var rules: [Key: AlertRule] = [:]
        var lastFull: Int64?
    }

    private let rules: AlertRules
    private let published = Mutex(Published())

    init(rules: AlertRules) { self.rules = rules }

    /// The lines to write now, and how many: new and changed rules, removed ones as inactive, or
    /// every rule when a day has passed since they were last all written.
    func changes(of users: [UserRecord], at now: Int64) -> (lineProtocol: [UInt8], lines: Int) {
        var current: [Key: AlertRule] = [:]
        for user in users {
            for rule in rules.rules(of: user) { current[Key(user: user.name, ruleID: rule.id)] = rule }
        }
        return published.withLock { published in
            let full = published.lastFull.map { now - $0 >= Self.republishEvery } ?? true
            var body: [UInt8] = []
            var lines = 0
            func write(_ key: Key, _ rule: AlertRule, active: Bool) {
                if (try? Self.encode(user: key.user, rule: rule, active: active, at: now, into: &body)) != nil {
                    lines += 1
                }
            }
            for (key, rule) in current.sorted(by: { ($0.key.user, $0.key.ruleID) < ($1.key.user, $1.key.ruleID) })
            where full || published.rules[key] != rule {
                write(key, rule, active: true)
            }
            for (key, rule) in published.rules where current[key] == nil { write(key, rule, active: false) }
            published.rules = current
            if full { published.lastFull = now }
            return (body, lines)
        }
    }

    /// After the lines could not be kept: everything is written again next time.
    func forget() { published.withLock { $0 = Published() } }

    static func encode(
        user: String, rule: AlertRule, active: Bool, at time: Int64, into body: inout [UInt8]
    ) throws(LineProtocolError) {
        var threshold = 0.0
        var silence: Int64 = 0
        switch rule.condition {
        case .atOrBelow(let value), .atOrAbove(let value): threshold = value
        case .silentFor(let seconds): silence = Int64(seconds)
        }
        let tags: InlineArray<4, (key: String, value: String)> = [
            ("device_id", rule.deviceID ?? "*"), ("rule_id", rule.id), ("sensor", rule.sensor), ("user", user),
        ]
        let fields: InlineArray<4, (key: String, value: FieldValue)> = [
            ("active", .boolean(active)), ("kind", .string(rule.condition.kind)),
            ("silence_seconds", .integer(silence)), ("threshold", .float(threshold)),
        ]
        try LineProtocol.encode(
            measurement: measurement, sortedTags: tags.span, sortedFields: fields.span, timestamp: time, into: &body)
    }
}
