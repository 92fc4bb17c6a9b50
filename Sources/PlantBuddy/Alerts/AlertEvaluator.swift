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

    private struct State {
        var open: [AlertKey: OpenAlert] = [:]
        /// Seconds since the epoch of each series' last reading, by user (the silence check goes
        /// user by user).
        var lastSeen: [String: [Series: Int64]] = [:]
        /// Whether `lastSeen` changed since it was last written.
        var unsaved = false
    }

    private struct Saved: Codable {
        var open: [OpenAlert]
        var lastSeen: [SeenSeries]
    }

    private struct SeenSeries: Codable {
        let series: Series
        let seconds: Int64
    }

    let path: String
    private let state: Mutex<State>
    private let rules: AlertRules

    init(dataDirectory: String, rules: AlertRules) {
        path = dataDirectory + "/alerts.json"
        self.rules = rules
        var initial = State()
        if let data = FileManager.default.contents(atPath: path),
            let saved = try? JSONDecoder().decode(Saved.self, from: data)
        {
            initial.open = Dictionary(saved.open.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
            for seen in saved.lastSeen { initial.lastSeen[seen.series.user, default: [:]][seen.series] = seen.seconds }
        }
        state = Mutex(initial)
    }

    /// Judges readings a user's device sent (as acknowledged), and notes when each series was last heard.
    func observe(_ readings: [Reading], of user: UserRecord) -> [AlertTransition] {
        let rules = rules.rules(of: user)
        return state.withLock { state -> [AlertTransition] in
            var transitions: [AlertTransition] = []
            for reading in readings {
                let series = Series(user: user.name, deviceID: reading.deviceID, sensor: reading.sensor)
                state.lastSeen[user.name, default: [:]][series] = reading.time / 1_000_000_000
                state.unsaved = true
                for rule in rules where rule.watches(sensor: reading.sensor, deviceID: reading.deviceID) {
                    let key = AlertKey(user: user.name, ruleID: rule.id, deviceID: reading.deviceID)
                    // A silence rule is in alert until a reading arrives; a threshold rule while readings cross it.
                    let alerting = rule.condition.isAlerting(reading.value)
                    guard alerting != (state.open[key] != nil) else { continue }
                    if alerting {
                        state.open[key] = OpenAlert(key: key, since: reading.time)
                    } else {
                        state.open[key] = nil
                    }
                    transitions.append(
                        AlertTransition(
                            user: user.name, rule: rule, deviceID: reading.deviceID,
                            level: alerting ? .crit : .ok, value: reading.value, time: reading.time))
                }
            }
            return transitions
        }
    }

    /// Opens a silence alert for each series a silence rule watches that has sent nothing for the
    /// rule's duration. A rule naming a device never heard from counts from the first look.
    func checkSilence(of users: [UserRecord], now: Int64) -> [AlertTransition] {
        let seconds = now / 1_000_000_000
        return state.withLock { state -> [AlertTransition] in
            var transitions: [AlertTransition] = []
            for user in users {
                for rule in rules.rules(of: user) {
                    guard case .silentFor(let silence) = rule.condition else { continue }
                    if let device = rule.deviceID {
                        let series = Series(user: user.name, deviceID: device, sensor: rule.sensor)
                        if state.lastSeen[user.name]?[series] == nil {
                            state.lastSeen[user.name, default: [:]][series] = seconds
                            state.unsaved = true
                        }
                    }
                    for (series, last) in state.lastSeen[user.name] ?? [:]
                    where rule.watches(sensor: series.sensor, deviceID: series.deviceID)
                        && seconds - last >= Int64(silence)
                    {
                        let key = AlertKey(user: user.name, ruleID: rule.id, deviceID: series.deviceID)
                        guard state.open[key] == nil else { continue }
                        state.open[key] = OpenAlert(key: key, since: now)
                        transitions.append(
                            AlertTransition(
                                user: user.name, rule: rule, deviceID: series.deviceID, level: .crit, value: nil,
                                time: now))
                    }
                }
            }
            return transitions
        }
    }

    /// Writes the open alerts and last readings, if they changed; before an alert is delivered, so a
    /// restart knows it was sent.
    func save() throws(AtomicFileError) {
        let saved = state.withLock { state -> Saved? in
            guard state.unsaved else { return nil }
            state.unsaved = false
            return Saved(
                open: state.open.values.sorted { ($0.key.user, $0.key.ruleID) < ($1.key.user, $1.key.ruleID) },
                lastSeen: state.lastSeen.values.flatMap { $0.map { SeenSeries(series: $0.key, seconds: $0.value) } })
        }
        guard let saved else { return }
        let data = (try? JSONEncoder().encode(saved)) ?? Data()
        try AtomicFile.write(data, to: path, mode: 0o600)
    }

    /// The alerts open now, for tests and the operator.
    var openAlerts: [OpenAlert] { state.withLock { Array($0.open.values) } }
}

/// One reading as the evaluator judges it.
struct Reading: Sendable {
    let deviceID: String
    let sensor: String
    let value: Double
    /// Nanoseconds since the epoch: the reading's stamp.
    let time: Int64
}
