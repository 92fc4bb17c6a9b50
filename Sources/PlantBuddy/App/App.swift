import CurlClient
import Dispatch
import Foundation
public import HTTPServer
import InfluxClient
public import Observability
import Synchronization
public import WriteAheadLog

/// The gateway: routes, the endpoints behind them, and the services they share.
public final class App: Sendable {
    public let configuration: Configuration
    public let server: HTTPServer
    public let users: UserStore
    public let metrics: Metrics
    public let logger: Logger
    public let buffer: WriteAheadLog
    /// Every route, as the server calls them: tests call it directly (`ResponderProbe`), without a socket.
    public let responder: any HTTPResponder
    private let forwarder: Forwarder
    private let notifier: Notifier
    private let alerts: GatewayAlerts
    private let stopping = Atomic<Bool>(false)

    /// `clock` stamps readings; tests pass a fixed one to compare timestamps exactly.
    public init(configuration: Configuration, clock: ReadingClock = ReadingClock()) throws(StartupError) {
        var configuration = configuration
        configuration.server.logger.level = configuration.logLevel
        let logger = configuration.server.logger
        self.configuration = configuration
        self.logger = logger
        metrics = configuration.server.metrics
        users = UserStore(dataDirectory: configuration.dataDirectory)

        var curl = CurlClientConfiguration()
        curl.totalTimeout = configuration.influxTimeout
        let influx = InfluxDBClient(configuration: configuration.influx, http: CurlHTTPClient(configuration: curl))
        GatewayMetrics.describe(in: metrics)

        var walConfiguration = WriteAheadLogConfiguration(directory: configuration.dataDirectory + "/wal")
        walConfiguration.fsync = configuration.walFsync
        walConfiguration.maxBufferedBytes = configuration.maxBufferedBytes
        walConfiguration.segmentBytes = configuration.walSegmentBytes
        walConfiguration.memoryBytes = configuration.walMemoryBytes
        do {
            buffer = try WriteAheadLog(configuration: walConfiguration)
        } catch {
            throw .buffer(error)
        }
        Self.report(buffer.recovery, logger: logger)
        let influxHTTP: CurlMulti
        do {
            influxHTTP = try CurlMulti(configuration: curl)
        } catch {
            throw .influxClient(error)
        }
        forwarder = Forwarder(
            log: buffer, influx: influx, http: influxHTTP, policy: configuration.delivery,
            deadLetters: DeadLetterFile(path: configuration.dataDirectory + "/dead-letter.jsonl"), logger: logger,
            metrics: metrics)
        metrics.onRender { [buffer, metrics] in Self.publish(buffer.status, to: metrics) }

        func fluxScript(_ name: String) throws(StartupError) -> String {
            let path = configuration.fluxDirectory + "/" + name
            guard let script = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw .missingFile(path: path, setting: "PLANTBUDDY_FLUX_DIR")
            }
            return script
        }
        let graphScript = try fluxScript("graph.flux")
        let latestScript = try fluxScript("latest.flux")
        let sessionKey: [UInt8]
        do {
            sessionKey = try SessionSigner.loadKey(dataDirectory: configuration.dataDirectory)
        } catch {
            throw .users(error)
        }
        let notifications = NotificationStore(dataDirectory: configuration.dataDirectory)
        if configuration.notifySecret.isEmpty {
            logger.warning("PLANTBUDDY_NOTIFY_SECRET is not set: /notify refuses every request")
        }
        notifier = Notifier(
            mail: configuration.mail, attempts: configuration.notifyAttempts, firstRetry: configuration.notifyRetry,
            logger: logger, metrics: metrics)
        let delivery = AlertDelivery(store: notifications, notifier: notifier, logger: logger, metrics: metrics)
        let alertRules = AlertRules(defaultSoilThreshold: configuration.soilCritThreshold)
        let notify = NotifyEndpoint(
            secret: Array(configuration.notifySecret.utf8), users: users, rules: alertRules, delivery: delivery,
            logger: logger, metrics: metrics)
        let minSilence = configuration.alertLimits.minSilenceSeconds
        alerts = GatewayAlerts(
            enabled: configuration.gatewayAlerts, dataDirectory: configuration.dataDirectory, rules: alertRules,
            catalog: configuration.sensors,
            users: users,
            delivery: delivery, influx: influx, log: buffer,
            silenceCheck: .milliseconds(min(30_000, max(1000, minSilence * 250))),
            logger: logger, metrics: metrics)
        let ingest = IngestPath(
            users: users, log: buffer, alerts: alerts, logger: logger, metrics: metrics,
            repeatInterval: configuration.logRepeatInterval)
        let write = WriteEndpoint(
            ingest: ingest, parser: DeviceLineParser(catalog: configuration.sensors), clock: clock)
        let access = PageAccess(
            users: users,
            sessions: SessionSigner(
                key: sessionKey, lifetime: configuration.sessionLifetime,
                secureCookies: configuration.publicURL.hasPrefix("https://")),
            proxy: ProxySignIn(header: configuration.proxyUserHeader, trustedAddresses: configuration.trustedProxies))
        let templates = try PageTemplates(directory: configuration.templatesDirectory)
        let pages = PageEndpoints(
            access: access, passwords: PasswordHasher(iterations: configuration.passwordIterations),
            throttle: LoginThrottle(limit: configuration.loginAttempts, window: configuration.loginWindow),
            notifications: notifications,
            readings: ReadingsSource(
                influx: influx, graphScript: graphScript, latestScript: latestScript, catalog: configuration.sensors,
                downsampledBucket: configuration.downsampledBucket, logger: logger),
            templates: templates, publicURL: configuration.publicURL,
            logger: logger, metrics: metrics)

        var router = Router()
        let compatible = CompatibleWriteEndpoint(ingest: ingest, clock: clock)
        // Devices post bare lines to /write; InfluxDB v1 clients always name a database there.
        router.addNonBlocking(.post, "/write") { request, reply in
            guard request.query("db") != nil else { return write.respond(to: request, reply: reply) }
            reply.sendFromWorker { compatible.respond(to: request, flavor: .v1) }
        }
        // Device writes append without waiting; one write (or one wake of the committer) per batch.
        router.onBatchDispatched { [buffer] in buffer.flush() }
        router.add(.post, "/api/v2/write") { compatible.respond(to: $0, flavor: .v2) }
        let probes = InfluxProbeEndpoints(version: HealthEndpoints.version)
        router.addNonBlocking(.get, "/ping") { request, reply in reply.send(probes.ping(request)) }
        router.addNonBlocking(.head, "/ping") { request, reply in reply.send(probes.ping(request)) }
        router.addNonBlocking(.get, "/query") { request, reply in reply.send(probes.query(request)) }
        router.addNonBlocking(.post, "/query") { request, reply in reply.send(probes.query(request)) }
        router.add(.post, "/notify", notify.respond)
        router.add(.get, "/", pages.home)
        router.add(.get, "/login", pages.showLogin)
        router.add(.post, "/login", pages.login)
        router.add(.post, "/logout", pages.logout)
        let settings = SettingsEndpoints(
            access: access, templates: templates, catalog: configuration.sensors, limits: configuration.alertLimits,
            rules: alertRules, notifier: notifier,
            logger: logger, metrics: metrics)
        router.add(.get, "/settings", settings.show)
        router.add(.post, "/settings", settings.change)
        let health = HealthEndpoints(
            influx: influx, buffer: buffer, alerts: alerts, metrics: metrics, metricsToken: configuration.metricsToken)
        router.add(.get, "/metrics", health.metricsPage)
        router.add(.get, "/health", health.health)
        router.addNonBlocking(.get, "/ready") { request, reply in reply.send(health.ready(request)) }
        responder = RequestObserver(router: router, metrics: metrics, logger: logger)
        server = HTTPServer(configuration: configuration.server, responder: responder)
    }

    /// Whether the gateway evaluates alert rules itself (InfluxDB answered as 1.x, which has no task
    /// engine); false until InfluxDB has said which version it is.
    public var evaluatesAlerts: Bool { alerts.isActive }

    /// Binds and starts serving; returns the port.
    @discardableResult
    public func start() throws(SocketError) -> UInt16 {
        // The users file is read now, not by the first device request (a large one takes a while).
        _ = users.allUsers()
        let port = try server.start(with: forwarder)
        alerts.start()
        return port
    }

    /// Begins a graceful stop: no new connections, in-flight requests finish.
    public func stop() {
        guard !stopping.exchange(true, ordering: .relaxed) else { return }  // a second signal changes nothing
        logger.info("shutting down: finishing in-flight requests")
        server.shutdown()
    }

    /// Waits for the server to finish its requests, delivers what the grace period allows, and closes
    /// the buffer; whatever is still unsent stays on disk for the next start.
    public func waitUntilStopped() {
        server.waitUntilStopped()  // the forwarder too: it runs on the server's first I/O thread
        alerts.stop()
        notifier.stop()
        buffer.close()
        let status = buffer.status
        logger.info("stopped", ["unsent_lines": String(status.bufferedLines)])
    }

    private static func report(_ recovery: WriteAheadLogRecovery, logger: Logger) {
        if recovery.lines > 0 {
            logger.info("replaying buffered readings from the last run", ["lines": String(recovery.lines)])
        }
        if recovery.truncatedBytes > 0 {
            logger.warning(
                "discarded an unfinished write at the end of the buffer (it was never acknowledged)",
                ["bytes": String(recovery.truncatedBytes)])
        }
        if recovery.corruptBytes > 0 {
            logger.error("skipped damaged bytes in the buffer files", ["bytes": String(recovery.corruptBytes)])
        }
    }

    private static func publish(_ status: WriteAheadLogStatus, to metrics: Metrics) {
        metrics.set("plantbuddy_buffer_lines", to: Double(status.bufferedLines))
        metrics.set("plantbuddy_buffer_bytes", to: Double(status.bufferedBytes))
        metrics.set("plantbuddy_buffer_oldest_age_seconds", to: status.oldestAgeSeconds())
        metrics.set("plantbuddy_buffer_appends_total", to: Double(status.appends))
        metrics.set("plantbuddy_buffer_fsyncs_total", to: Double(status.syncs))
        metrics.set("plantbuddy_buffer_fsync_seconds_total", to: status.syncSeconds)
        metrics.set("plantbuddy_buffer_file_reads_total", to: Double(status.fileReads))
    }
}
