import HTTPServer
import Observability
import Synchronization

/// One logfmt line and one latency observation per request, and counts by route and status.
/// The query string is never logged: v1 clients may put a token in `p=`.
final class RequestObserver: HTTPResponder {
    let router: Router
    let metrics: Metrics
    let logger: Logger
    /// Series per route (the router's index; one more for unmatched paths) and status, resolved
    /// once: this runs for every request, and a route sees a handful of statuses.
    private let series: Mutex<[[Resolved]]>

    private struct Resolved {
        let status: Int
        let requests: Metrics.Series
        let duration: Metrics.HistogramSeries
    }

    init(router: Router, metrics: Metrics, logger: Logger) {
        self.router = router
        self.metrics = metrics
        self.logger = logger
        series = Mutex(Array(repeating: [], count: router.routeCount + 1))
    }

    func respond(to request: HTTPRequest, reply: HTTPReply) {
        let started = MonotonicClock.nanoseconds()
        let method = request.method.rawValue
        let peer = request.remoteAddress
        let route = router.route(for: request)
        router.respond(
            to: request, on: route,
            reply: reply.observing { [self] response in
                let nanoseconds = MonotonicClock.nanoseconds() - started
                let seconds = Double(nanoseconds) / 1e9
                // A 404 is counted as unmatched whoever answered it: paths are not a label's values.
                let matched = response.status.code == 404 ? nil : route
                let resolved = series(route: matched, status: response.status.code)
                metrics.increment(resolved.requests)
                metrics.observe(resolved.duration, value: seconds)
                guard logger.level <= .info else { return }
                var fields: [(String, String)] = []
                fields.reserveCapacity(7)  // with the user's: no growing past the first six
                fields.append(("method", method))
                fields.append(("path", matched?.path ?? "unmatched"))
                fields.append(("status", String(response.status.code)))
                fields.append(("duration_ms", Self.milliseconds(nanoseconds)))
                fields.append(("bytes", String(response.body.count)))
                fields.append(("peer", peer))
                if let user = response.authenticatedUser { fields.append(("user", user)) }
                logger.log(.info, "request", fields)
            })
    }

    func batchDispatched() { router.batchDispatched() }

    /// `12.34`: milliseconds with two decimals, rounded, from integers (no formatter, no
    /// concatenation: with the access log on this runs per request). Digits are written from the
    /// end of the String's own buffer, then moved to its front; below 10^14 hundredths (31 years)
    /// the text fits in 15 bytes, which a String stores inline, without an allocation.
    static func milliseconds(_ nanoseconds: UInt64) -> String {
        let hundredths = (nanoseconds + 5_000) / 10_000
        return String(unsafeUninitializedCapacity: hundredths < 100_000_000_000_000 ? 15 : 24) { buffer in
            var rest = hundredths
            var start = buffer.count
            func prepend(_ byte: UInt8) {
                start -= 1
                buffer[start] = byte
            }
            func prependDigit() {
                prepend(UInt8(ascii: "0") + UInt8(rest % 10))
                rest /= 10
            }
            prependDigit()
            prependDigit()
            prepend(UInt8(ascii: "."))
            repeat { prependDigit() } while rest > 0
            let count = buffer.count - start
            for index in 0..<count { buffer[index] = buffer[start + index] }
            return count
        }
    }

    private func series(route: Router.Route?, status: Int) -> Resolved {
        let index = route?.index ?? router.routeCount
        if let known = series.withLock({ $0[index].first { $0.status == status } }) { return known }
        let label = route?.path ?? "unmatched"
        let resolved = Resolved(
            status: status,
            requests: metrics.series("plantbuddy_http_requests_total", ["route": label, "status": String(status)]),
            duration: metrics.histogram("plantbuddy_http_request_duration_seconds", ["route": label]))
        series.withLock { table in
            if !table[index].contains(where: { $0.status == status }) { table[index].append(resolved) }
        }
        return resolved
    }
}
