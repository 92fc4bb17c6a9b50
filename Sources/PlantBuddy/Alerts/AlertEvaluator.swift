import Foundation
import Synchronization

/// The gateway's own alert engine, for InfluxDB 1.x, which has no task engine: it judges every
/// reading against its owner's rules as the reading is acknowledged (one comparison per rule that
/// watches the sensor; no polling), and a timer finds devices gone silent. A rule moves between
/// `ok` and `crit`; each move is one `AlertTransition`, returned for the caller to deliver.
///
/// Open alerts and when each device was last heard from are kept on disk (`alerts.json`), so a
/// restart neither repeats an alert nor forgets to send its recovery.
final class AlertEvaluator: Sendable {
    /// One device's readings of one sensor.
    struct Series: Hashable, Codable {
        let user: String
        let deviceID: String
        let sensor: String
    }

    /// One rule's verdict on one device.
    struct AlertKey: Hashable, Codable {
        let user: String
        let ruleID: String
        let deviceID: String
    }

    struct OpenAlert: Codable, Equatable {
        let key: AlertKey
        /// Nanoseconds since the epoch when it opened.
        let since: Int64
    }

    /// One user's alerting state: looked up once per request (one hash of the name), then only
    /// scanned, since a person has a handful of rules and series.
    private struct UserState {
        var open: [AlertKey: OpenAlert] = [:]
        /// When each series a silence rule watches last sent, in seconds since the epoch.
        var seen: [SeenSeries] = []
        var compiled: CompiledRules?

        mutating func noteSeen(_ series: Series, at seconds: Int64) {
            if let index = seen.firstIndex(where: { $0.series == series }) {
                seen[index].seconds = seconds
            } else {
                seen.append(SeenSeries(series: series, seconds: seconds))
            }
        }
    }

    private struct State {
        var users: [String: UserState] = [:]
        /// Whether the open alerts changed since they were last written (they are, before delivery).
        var openChanged = false
        /// Whether a last reading changed since they were last written (they are, at most every few
        /// minutes: a restart needs them to the minute, not to the reading).
        var seenChanged = false
        var lastSaved: Int64 = 0
    }

    private struct Saved: Codable {
        var open: [OpenAlert]
        var lastSeen: [SeenSeries]
    }

    private struct SeenSeries: Codable {
        let series: Series
        var seconds: Int64
    }

    let path: String
    private let state: Mutex<State>
    private let rules: AlertRules
    /// The catalog's measurements, in the order `CompiledRules` numbers them.
    private let sensors: [String]

    init(dataDirectory: String, rules: AlertRules, catalog: SensorCatalog) {
        path = dataDirectory + "/alerts.json"
        self.rules = rules
        sensors = catalog.measurements.values.sorted()
        var initial = State()
        if let data = FileManager.default.contents(atPath: path),
            let saved = try? JSONDecoder().decode(Saved.self, from: data)
        {
            for alert in saved.open { initial.users[alert.key.user, default: UserState()].open[alert.key] = alert }
            for seen in saved.lastSeen { initial.users[seen.series.user, default: UserState()].seen.append(seen) }
        }
        state = Mutex(initial)
    }

    /// Judges readings a user's device sent (as acknowledged), and notes when each series a silence
    /// rule watches was last heard. Runs for every acknowledged request: one lookup of the user, and
    /// no allocation or key lookup unless a reading crosses a rule or the user has an alert open.
    func observe(_ readings: [Reading], of user: UserRecord) -> [AlertTransition] {
        state.withLock { state -> [AlertTransition] in
            var changes = (open: false, seen: false)
            // In place, under one lookup of the user.
            let transitions = judge(readings, of: user, &state.users[user.name, default: UserState()], &changes)
            state.openChanged = state.openChanged || changes.open
            state.seenChanged = state.seenChanged || changes.seen
            return transitions
        }
    }

    private func judge(
        _ readings: [Reading], of user: UserRecord, _ mine: inout UserState, _ changes: inout (open: Bool, seen: Bool)
    ) -> [AlertTransition] {
        if mine.compiled?.isCompiled(from: user.rules ?? []) != true {
            mine.compiled = CompiledRules(of: user, rules: rules, sensors: sensors)
        }
        let compiled = mine.compiled!
        var transitions: [AlertTransition] = []
        for reading in readings {
            let sensor = UInt8(sensors.firstIndex(of: reading.sensor) ?? Int(UInt8.max))
            let device = CompiledRules.deviceCode(reading.deviceID)
            var silenceWatches = false
            for candidate in compiled.rules
            where candidate.sensor == sensor && (candidate.device == 0 || candidate.device == device) {
                // A silence rule is in alert until a reading arrives; a threshold rule while readings cross it.
                let alerting: Bool
                switch candidate.kind {
                case .atOrBelow: alerting = reading.value <= candidate.threshold
                case .atOrAbove: alerting = reading.value >= candidate.threshold
                case .silent:
                    alerting = false
                    silenceWatches = true
                }
                guard alerting || !mine.open.isEmpty else { continue }
                let rule = compiled.all[Int(candidate.index)]
                let key = AlertKey(user: user.name, ruleID: rule.id, deviceID: reading.deviceID)
                guard alerting != (mine.open[key] != nil) else { continue }
                mine.open[key] = alerting ? OpenAlert(key: key, since: reading.time) : nil
                changes.open = true
                transitions.append(
                    AlertTransition(
                        user: user.name, rule: rule, deviceID: reading.deviceID, level: alerting ? .crit : .ok,
                        value: reading.value, time: reading.time))
            }
            if silenceWatches {
                mine.noteSeen(
                    Series(user: user.name, deviceID: reading.deviceID, sensor: reading.sensor),
                    at: reading.time / 1_000_000_000)
                changes.seen = true
            }
        }
        return transitions
    }

    /// Opens a silence alert for each series a silence rule watches that has sent nothing for the
    /// rule's duration. A rule naming a device never heard from counts from the first look.
    func checkSilence(of users: [UserRecord], now: Int64) -> [AlertTransition] {
        let seconds = now / 1_000_000_000
        return state.withLock { state -> [AlertTransition] in
            var transitions: [AlertTransition] = []
            for user in users {
                var mine = state.users.removeValue(forKey: user.name) ?? UserState()
                for rule in rules.rules(of: user) {
                    guard case .silentFor(let silence) = rule.condition else { continue }
                    if let device = rule.deviceID {
                        let series = Series(user: user.name, deviceID: device, sensor: rule.sensor)
                        if !mine.seen.contains(where: { $0.series == series }) {
                            mine.noteSeen(series, at: seconds)
                            state.seenChanged = true
                        }
                    }
                    for seen in mine.seen
                    where rule.watches(sensor: seen.series.sensor, deviceID: seen.series.deviceID)
                        && seconds - seen.seconds >= Int64(silence)
                    {
                        let key = AlertKey(user: user.name, ruleID: rule.id, deviceID: seen.series.deviceID)
                        guard mine.open[key] == nil else { continue }
                        mine.open[key] = OpenAlert(key: key, since: now)
                        state.openChanged = true
                        transitions.append(
                            AlertTransition(
                                user: user.name, rule: rule, deviceID: seen.series.deviceID, level: .crit,
                                value: nil, time: now))
                    }
                }
                if !mine.open.isEmpty || !mine.seen.isEmpty { state.users[user.name] = mine }
            }
            return transitions
        }
    }

    /// How often changed last readings are written when no alert changed.
    static let lastSeenSaveInterval: Int64 = 300

    /// Writes the open alerts whenever they changed (before an alert is delivered, so a restart knows
    /// it was sent), the last readings when they changed and a few minutes have passed (or `force`,
    /// at shutdown).
    func save(now: Int64, force: Bool = false) throws(AtomicFileError) {
        let seconds = now / 1_000_000_000
        let saved = state.withLock { state -> Saved? in
            let seenDue = state.seenChanged && (force || seconds - state.lastSaved >= Self.lastSeenSaveInterval)
            guard state.openChanged || seenDue else { return nil }
            state.openChanged = false
            state.seenChanged = false
            state.lastSaved = seconds
            return Saved(
                open: state.users.values.flatMap(\.open.values).sorted {
                    ($0.key.user, $0.key.ruleID, $0.key.deviceID) < ($1.key.user, $1.key.ruleID, $1.key.deviceID)
                },
                lastSeen: state.users.values.flatMap(\.seen))
        }
        guard let saved else { return }
        let data = (try? JSONEncoder().encode(saved)) ?? Data()
        try AtomicFile.write(data, to: path, mode: 0o600)
    }

    /// The alerts open now, for tests and the operator.
    var openAlerts: [OpenAlert] { state.withLock { $0.users.values.flatMap(\.open.values) } }
}

/// One reading as the evaluator judges it.
struct Reading: Sendable {
    let deviceID: String
    let sensor: String
    let value: Double
    /// Nanoseconds since the epoch: the reading's stamp.
    let time: Int64
}
