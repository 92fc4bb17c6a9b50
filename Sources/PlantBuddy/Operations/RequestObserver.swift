import Dispatch
import HTTPServer
import Observability
import Synchronization

/// One logfmt line and one latency observation per request, and counts by route and status.
/// The query string is never logged: v1 clients may put a token in `p=`.
final class RequestObserver: HTTPResponder {
    let router: Router
    let metrics: Metrics
    let logger: Logger
    /// Series per route and status, resolved once: this runs for every request.
    private let series = Mutex<[RouteStatus: (requests: Metrics.Series, duration: Metrics.HistogramSeries)]>([:])

    private struct RouteStatus: Hashable {
        let route: String
        let status: Int
    }

    init(router: Router, metrics: Metrics, logger: Logger) {
        self.router = router
        self.metrics = metrics
        self.logger = logger
    }

    func respond(to request: HTTPRequest, reply: HTTPReply) {
        let started = DispatchTime.now().uptimeNanoseconds
        let method = request.method.rawValue
        let path = String(request.path)
        let peer = request.remoteAddress
        router.respond(
            to: request,
            reply: reply.observing { [self] response in
                let nanoseconds = DispatchTime.now().uptimeNanoseconds - started
                let seconds = Double(nanoseconds) / 1e9
                let route = response.status.code == 404 ? "unmatched" : path
                let (requests, duration) = series(route: route, status: response.status.code)
                metrics.increment(requests)
                metrics.observe(duration, value: seconds)
                guard logger.level <= .info else { return }
                var fields: [(String, String)] = [
                    ("method", method), ("path", route), ("status", String(response.status.code)),
                    ("duration_ms", Self.milliseconds(nanoseconds)), ("bytes", String(response.body.count)),
                    ("peer", peer),
                ]
                if let user = response.authenticatedUser { fields.append(("user", user)) }
                logger.log(.info, "request", fields)
            })
    }

    func batchDispatched() { router.batchDispatched() }

    /// `12.34`: milliseconds with two decimals, rounded, from integers (no formatter, no
    /// interpolation: with the access log on this runs per request, and every piece is a small String).
    static func milliseconds(_ nanoseconds: UInt64) -> String {
        let hundredths = (nanoseconds + 5_000) / 10_000
        let fraction = hundredths % 100
        return String(hundredths / 100) + (fraction < 10 ? ".0" : ".") + String(fraction)
    }

    private func series(route: String, status: Int) -> (requests: Metrics.Series, duration: Metrics.HistogramSeries) {
        let key = RouteStatus(route: route, status: status)
        if let known = series.withLock({ $0[key] }) { return known }
        let resolved = (
            metrics.series("plantbuddy_http_requests_total", ["route": route, "status": String(status)]),
            metrics.histogram("plantbuddy_http_request_duration_seconds", ["route": route])
        )
        series.withLock { $0[key] = resolved }
        return resolved
    }
}
