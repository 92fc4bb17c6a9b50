import Dispatch
import Foundation
import InfluxClient
import Observability
import Synchronization
import WriteAheadLog

/// Who evaluates people's alert rules, and the gateway's part in it. Which InfluxDB this is, `/ping`
/// says (asked in the background until it answers):
/// - 1.x (the embedded default) has no task engine, so the gateway judges acknowledged readings as
///   they arrive and a timer looks for silent devices; every transition is saved with the open
///   alerts before it is delivered, on one serial queue.
/// - 2.x and Cloud run the alert check task; the gateway writes the rules where the task reads them
///   (`RulePublisher`), checking for changes on the same timer, and InfluxDB's notification rule
///   reports each transition to `/notify`.
final class GatewayAlerts: Sendable {
    private let enabled: Bool
    private let evaluator: AlertEvaluator
    private let publisher: RulePublisher
    private let log: WriteAheadLog
    private let users: UserStore
    private let delivery: AlertDelivery
    private let influx: InfluxDBClient
    private let logger: Logger
    private let metrics: Metrics
    private let silenceCheck: Duration
    private let queue = DispatchQueue(label: "plantbuddy-alerts")
    private let active = Atomic<Bool>(false)
    private let decided = Atomic<Bool>(false)
    private let stopped = Atomic<Bool>(false)

    /// `enabled` false (`PLANTBUDDY_GATEWAY_ALERTS=off`): the gateway neither judges nor writes rules.
    init(
        enabled: Bool, dataDirectory: String, rules: AlertRules, catalog: SensorCatalog, users: UserStore,
        delivery: AlertDelivery,
        influx: InfluxDBClient,
        log: WriteAheadLog, silenceCheck: Duration, logger: Logger, metrics: Metrics
    ) {
        self.enabled = enabled
        self.log = log
        publisher = RulePublisher(rules: rules)
        self.users = users
        self.delivery = delivery
        self.influx = influx
        self.silenceCheck = silenceCheck
        self.logger = logger
        self.metrics = metrics
        evaluator = AlertEvaluator(dataDirectory: dataDirectory, rules: rules, catalog: catalog)
    }

    /// Whether the gateway judges readings itself (InfluxDB answered as 1.x).
    var isActive: Bool { active.load(ordering: .relaxed) }

    /// Who evaluates the rules, for `/health`: `gateway`, `influxdb`, or `unknown` until InfluxDB answers.
    var evaluatedBy: String {
        guard enabled else { return "off" }
        guard decided.load(ordering: .acquiring) else { return "unknown" }
        return isActive ? "gateway" : "influxdb"
    }

    /// Finds out which InfluxDB this is, and if 1.x starts judging and checking for silence.
    func start() {
        guard enabled else { return }
        queue.async { [self] in decide() }
    }

    /// Stops the silence checks; what is queued is still delivered and saved.
    func stop() {
        stopped.store(true, ordering: .relaxed)
        queue.sync { if isActive { save(force: true) } }
    }

    /// Readings of a user's devices, once acknowledged. One comparison per rule watching the sensor.
    func observe(_ readings: [Reading], of user: UserRecord) {
        guard isActive, !readings.isEmpty else { return }
        let transitions = evaluator.observe(readings, of: user)
        if !transitions.isEmpty { queue.async { [self] in deliver(transitions) } }
    }

    private func decide() {
        guard !stopped.load(ordering: .relaxed) else { return }
        do {
            let api = try influx.api()
            if api == .v1 || (api == .v3 && !alertPluginInstalled()) {
                active.store(true, ordering: .relaxed)
                decided.store(true, ordering: .releasing)
                logger.info(
                    "alerts are evaluated by the gateway (InfluxDB 1.x has no task engine; on 3.x no alerts trigger)")
                scheduleSilenceCheck()
            } else {
                decided.store(true, ordering: .releasing)
                logger.info("alerts are evaluated by InfluxDB (2.x task, 3.x plugin); the gateway writes the rules")
                publishRules()
            }
        } catch {
            // Asked again until InfluxDB answers: the version decides who evaluates alerts.
            queue.asyncAfter(deadline: .now() + 10) { [self] in decide() }
        }
    }

    /// On 3.x: whether `plantbuddy setup` installed the alerts plugin's trigger (and it is enabled);
    /// a server that cannot list triggers (no processing engine) has none.
    private func alertPluginInstalled() -> Bool {
        let triggers = (try? ProcessingEngineTrigger.installed(on: influx.configuration.database, influx: influx)) ?? []
        return triggers.contains { $0.name.hasPrefix(ProcessingEngineTrigger.alertsPrefix) && !$0.disabled }
    }

    /// On the queue, then again every tick: the rules that changed, into the buffer like readings.
    private func publishRules() {
        guard !stopped.load(ordering: .relaxed) else { return }
        let now = Int64(Date().timeIntervalSince1970 * 1e9)
        let (lineProtocol, lines) = publisher.changes(of: users.allUsers(), at: now)
        if lines > 0 {
            do {
                try log.append(lineProtocol, lineCount: lines)
                metrics.increment("plantbuddy_rule_points_written_total", by: Double(lines))
            } catch {
                publisher.forget()
                metrics.increment("plantbuddy_buffer_refusals_total", ["reason": "rules"])
                logger.error("cannot buffer the alert rules for InfluxDB", ["error": error.description])
            }
        }
        queue.asyncAfter(deadline: .now() + silenceCheck.seconds) { [self] in publishRules() }
    }

    private func scheduleSilenceCheck() {
        queue.asyncAfter(deadline: .now() + silenceCheck.seconds) { [self] in
            guard !stopped.load(ordering: .relaxed) else { return }
            let now = Int64(Date().timeIntervalSince1970 * 1e9)
            let transitions = evaluator.checkSilence(of: users.allUsers(), now: now)
            transitions.isEmpty ? save() : deliver(transitions)
            scheduleSilenceCheck()
        }
    }

    /// On the queue: saved first, so after a restart an alert is neither repeated nor forgotten.
    private func deliver(_ transitions: [AlertTransition]) {
        save()
        for transition in transitions {
            metrics.increment("plantbuddy_alert_transitions_total", ["level": transition.level.rawValue])
            guard let owner = users.user(named: transition.user) else { continue }
            let notification = transition.notification(
                deviceName: owner.deviceName(transition.deviceID), receivedAt: Date())
            do {
                _ = try delivery.deliver(notification, to: owner)
            } catch {
                metrics.increment("plantbuddy_notifications_total", ["result": "error"])
                logger.error("cannot store an alert", ["user": transition.user, "error": error.description])
            }
        }
    }

    private func save(force: Bool = false) {
        do {
            try evaluator.save(now: Int64(Date().timeIntervalSince1970 * 1e9), force: force)
        } catch {
            metrics.increment("plantbuddy_alert_state_errors_total")
            logger.error("cannot save the open alerts", ["file": evaluator.path, "error": error.description])
        }
    }
}
