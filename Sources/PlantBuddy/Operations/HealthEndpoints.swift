import Foundation
import HTTPServer
import Hashing
import InfluxClient
import Observability
import WriteAheadLog

/// `GET /health`, `GET /ready` and `GET /metrics`, for container orchestrators and monitoring.
struct HealthEndpoints: Sendable {
    static let version = "0.1.0"

    let influx: InfluxDBClient
    let buffer: WriteAheadLog
    let alerts: GatewayAlerts
    let metrics: Metrics
    /// Empty: `/metrics` is open (bind the gateway to a private address, or set a token).
    let metricsToken: String

    /// 200 when InfluxDB answers `/ping`, else 503; the buffer's state either way.
    func health(_ request: HTTPRequest) -> HTTPResponse {
        var influxState: [String: Any] = ["url": influx.configuration.url]
        var healthy = true
        do {
            influxState["version"] = try influx.ping()
            influxState["reachable"] = true
        } catch {
            healthy = false
            influxState["reachable"] = false
            influxState["error"] = error.description
        }
        let status = buffer.status
        // InfluxDB's own health fields first (`name`, `message`, `status`, `checks`, `version`,
        // `commit`), so its clients' `health()` reads the gateway; then the gateway's.
        let body: [String: Any] = [
            "name": "plantbuddy",
            "message": healthy ? "ready for writes" : "InfluxDB is not answering; writes are buffered",
            "checks": [[String: Any]](),
            "commit": "",
            "status": healthy ? "pass" : "fail",
            "version": Self.version,
            "influxdb": influxState,
            "alerts": ["evaluated_by": alerts.evaluatedBy],
            "buffer": [
                "lines": status.bufferedLines, "bytes": status.bufferedBytes,
                "oldest_age_seconds": status.oldestAgeSeconds(),
            ],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data("{}".utf8)
        return HTTPResponse(
            status: healthy ? .ok : .serviceUnavailable,
            headers: ["Content-Type": "application/json", "Cache-Control": "no-store"],
            body: Array(data))
    }

    /// Serving requests: the buffer is open and the server accepts connections.
    func ready(_ request: HTTPRequest) -> HTTPResponse {
        HTTPResponse(status: .ok, contentType: "application/json", body: #"{"status":"ready"}"#)
    }

    func metricsPage(_ request: HTTPRequest) -> HTTPResponse {
        if !metricsToken.isEmpty {
            let presented = DeviceToken.from(request.headers) ?? ""
            guard constantTimeEquals(Array(presented.utf8), Array(metricsToken.utf8)) else {
                var response = HTTPResponse.text(.unauthorized, "unauthorized")
                response.headers.add("WWW-Authenticate", "Bearer")
                return response
            }
        }
        return HTTPResponse(
            status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: metrics.render())
    }
}
