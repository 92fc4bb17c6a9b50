import CurlClient
public import HTTPServer
import InfluxClient
public import Observability
import Synchronization

/// The gateway: routes, the endpoints behind them, and the services they share.
public final class App: Sendable {
    public let configuration: Configuration
    public let server: HTTPServer
    public let users: UserStore
    public let metrics: Metrics
    public let logger: Logger
    private let stopping = Atomic<Bool>(false)

    /// `clock` stamps readings; tests pass a fixed one to compare timestamps exactly.
    public init(configuration: Configuration, clock: ReadingClock = ReadingClock()) {
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
        Self.describeMetrics(metrics)
        let write = WriteEndpoint(
            users: users, parser: DeviceLineParser(catalog: configuration.sensors), clock: clock,
            influx: influx, logger: logger, metrics: metrics)

        var router = Router()
        router.add(.post, "/write", write.respond)
        router.add(.get, "/metrics") { [metrics] _ in
            HTTPResponse(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: metrics.render())
        }
        server = HTTPServer(
            configuration: configuration.server, responder: CountingResponder(router: router, metrics: metrics))
    }

    /// Binds and starts serving; returns the port.
    @discardableResult
    public func start() throws(SocketError) -> UInt16 { try server.start() }

    /// Begins a graceful stop: no new connections, in-flight requests finish.
    public func stop() {
        guard !stopping.exchange(true, ordering: .relaxed) else { return }  // a second signal changes nothing
        logger.info("shutting down: finishing in-flight requests")
        server.shutdown()
    }

    public func waitUntilStopped() {
        server.waitUntilStopped()
        logger.info("stopped")
    }

    private static func describeMetrics(_ metrics: Metrics) {
        metrics.describe("plantbuddy_http_requests_total", .counter, help: "Requests answered, by route and status.")
        metrics.describe("plantbuddy_points_written_total", .counter, help: "Points InfluxDB acknowledged.")
        metrics.describe("plantbuddy_lines_rejected_total", .counter, help: "Device lines refused as malformed.")
        metrics.describe(
            "plantbuddy_sensor_failures_total", .counter, help: "ERR lines: sensors the devices report failed.")
        metrics.describe("plantbuddy_auth_failures_total", .counter, help: "Requests with a missing or unknown token.")
        metrics.describe("plantbuddy_influx_write_errors_total", .counter, help: "Failed InfluxDB writes, by kind.")
    }
}

/// Counts every answer by route and status for `/metrics`.
struct CountingResponder: HTTPResponder {
    let router: Router
    let metrics: Metrics

    func respond(to request: HTTPRequest) -> HTTPResponse {
        let response = router.respond(to: request)
        let route = response.status.code == 404 ? "unmatched" : String(request.path)
        metrics.increment("plantbuddy_http_requests_total", ["route": route, "status": String(response.status.code)])
        return response
    }
}
