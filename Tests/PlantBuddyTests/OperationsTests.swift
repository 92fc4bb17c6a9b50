import CurlClient
import Foundation
import HTTPServer
import Observability
import TestSupport
import Testing

@testable import PlantBuddy

/// What an operator's tooling sees: health, readiness, metrics and the access log.
@Suite struct OperationsTests {
    @Test func healthReportsInfluxDBAndTheBuffer() throws {
        let influxd = try InfluxDServer.shared()
        try withGateway(influxURL: influxd.url, database: "unused") { gateway in
            let health = try gateway.get("/health")
            #expect(health.status == 200)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(health.body)) as? [String: Any])
            #expect(json["status"] as? String == "pass")
            #expect((json["influxdb"] as? [String: Any])?["reachable"] as? Bool == true)
            #expect((json["buffer"] as? [String: Any])?["lines"] as? Int == 0)
            #expect(try gateway.get("/ready").status == 200)
        }
        let closed = try ClosedPort()
        try withGateway(influxURL: "http://127.0.0.1:\(closed.port)", database: "unused") { gateway in
            let health = try gateway.get("/health")
            #expect(health.status == 503)
            #expect(health.bodyText.contains(#""status":"fail""#))
        }
    }

    @Test func metricsCanRequireAToken() throws {
        let influxd = try InfluxDServer.shared()
        try withGateway(influxURL: influxd.url, database: "unused", configure: { $0.metricsToken = "scrape-me" }) {
            gateway in
            #expect(try gateway.get("/metrics").status == 401)
            let scraped = try gateway.http.send(
                HTTPClientRequest(
                    url: "http://127.0.0.1:\(gateway.port)/metrics", headers: [("Authorization", "Bearer scrape-me")]))
            #expect(scraped.status == 200)
            #expect(
                scraped.bodyText.contains(
                    #"plantbuddy_http_request_duration_seconds_bucket{route="/metrics",le="+Inf"}"#))
            #expect(scraped.bodyText.contains("# TYPE plantbuddy_http_request_duration_seconds histogram"))
            #expect(scraped.bodyText.contains("http_server_open_connections"))
        }
    }

    /// The access log's `duration_ms`: rounded to hundredths, whole milliseconds of any length.
    @Test func requestDurationsAreMillisecondsRoundedToHundredths() {
        let cases: [(UInt64, String)] = [
            (0, "0.00"), (4_999, "0.00"), (5_000, "0.01"), (99_994_999, "99.99"), (99_995_000, "100.00"),
            (1_234_567, "1.23"), (12_345_678_901, "12345.68"), (3_600_000_000_000, "3600000.00"),
            // The longest text a String holds inline (15 bytes), and the first one past it.
            (999_999_999_999_990_000, "999999999999.99"), (1_000_000_000_000_000_000, "1000000000000.00"),
        ]
        for (nanoseconds, text) in cases { #expect(RequestObserver.milliseconds(nanoseconds) == text) }
    }

    /// One logfmt line per request, naming the user but never a token or the query string.
    @Test func accessLogHasOneLinePerRequestWithoutSecrets() throws {
        let influxd = try InfluxDServer.shared()
        let capture = CapturedLines()
        try withGateway(
            influxURL: influxd.url, database: try influxd.createDatabase("access"),
            configure: {
                $0.logLevel = .info
                $0.server.logger = Logger(level: .info) { capture.append($0) }
            }
        ) { gateway in
            let token = try gateway.app.users.add("rick")
            #expect(try gateway.post("01SM100", token: token).status == 204)
            #expect(
                try gateway.http.send(
                    HTTPClientRequest(
                        method: "POST", url: "http://127.0.0.1:\(gateway.port)/write?db=x&p=\(token)",
                        body: Array("m v=1i".utf8))
                ).status == 204)
            let requests = capture.lines.filter { $0.contains("msg=request") }
            #expect(requests.count == 2)
            #expect(requests[0].contains("method=POST path=/write status=204") && requests[0].contains("user=rick"))
            #expect(requests[0].contains("duration_ms=") && requests[0].contains("bytes=0"))
            #expect(!capture.lines.contains { $0.contains(token) || $0.contains("p=") })
        }
    }
}
