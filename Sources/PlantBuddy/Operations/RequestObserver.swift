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

    /// `12.34`: milliseconds with two decimals, rounded, written digit by digit into the String's
    /// own storage (short enough to need no allocation): with the access log on this runs per request.
    static func milliseconds(_ nanoseconds: UInt64) -> String {
        let hundredths = (nanoseconds + 5_000) / 10_000
        let whole = hundredths / 100
        return String(unsafeUninitializedCapacity: 24) { digits in
            var count = 0
            var divisor: UInt64 = 1
            while divisor <= whole / 10 { divisor *= 10 }
            repeat {
                digits[count] = UInt8(ascii: "0") + UInt8(whole / divisor % 10)
                count += 1
                divisor /= 10
            } while divisor > 0
            digits[count] = UInt8(ascii: ".")
            digits[count + 1] = UInt8(ascii: "0") + UInt8(hundredths % 100 / 10)
            digits[count + 2] = UInt8(ascii: "0") + UInt8(hundredths % 10)
            return count + 3
        }
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
