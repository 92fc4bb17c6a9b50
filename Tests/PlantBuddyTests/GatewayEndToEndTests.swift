import CurlClient
import Foundation
import HTTPServer
import InfluxClient
import Observability
import PlantBuddy
import Synchronization
import TestSupport
import Testing
import WriteAheadLog

/// Log lines a test's logger received.
final class CapturedLines: Sendable {
    private let storage = Mutex<[String]>([])
    func append(_ line: String) { storage.withLock { $0.append(line) } }
    var lines: [String] { storage.withLock { $0 } }
}

/// The whole write path against a real `influxd` 1.x: device lines in, points read back with InfluxQL.
@Suite struct GatewayEndToEndTests {
    static let firstStamp = gatewayFirstStamp

    @Test func deviceLinesFromUsersWithAwkwardNamesArriveExactly() throws {
        let influxd = try InfluxDServer.shared()
        let database = try influxd.createDatabase("e2e")
        let names = ["rick", #"O'Brien, "Rick" = C-137\Sanchez"#, "Zoë Ünal 植物"]
        try withGateway(influxURL: influxd.url, database: database) { gateway in
            for (index, name) in names.enumerated() {
                let token = try gateway.app.users.add(name)
                let response = try gateway.post("01SM144\r\n01SM145\r\n02LI812\r\n", token: token)
                #expect(response.status == 204, "\(response.bodyText)")
                try gateway.waitUntilDelivered()
                let base = Self.firstStamp + Int64(index * 3)
                // Two readings of one sensor in one request are two points: distinct timestamps.
                #expect(
                    try storedPoints(influxd, database: database, user: name) == [
                        StoredPoint(measurement: "soil_moisture", deviceID: "01", user: name, reading: 144, time: base),
                        StoredPoint(
                            measurement: "soil_moisture", deviceID: "01", user: name, reading: 145, time: base + 1),
                        StoredPoint(measurement: "light", deviceID: "02", user: name, reading: 812, time: base + 2),
                    ])
            }
        }
        #expect(try storedPoints(influxd, database: database).count == 9)
    }

    /// A connection keeps the series it wrote (escaped once, `SeriesPrefixes`) up to a limit; one
    /// writing for more devices than that (a bridge) still has every line stored as its own.
    @Test func aConnectionWritingMoreSeriesThanItKeepsStoresEveryLineAsItsOwn() throws {
        let influxd = try InfluxDServer.shared()
        let database = try influxd.createDatabase("series")
        try withGateway(influxURL: influxd.url, database: database) { gateway in
            let token = try gateway.app.users.add("bridge")
            let connection = try RawConnection(port: gateway.port)
            let devices = (0..<12).map { $0 < 10 ? "0\($0)" : "\($0)" }
            var expected: [String] = []
            // Three rounds over 24 series (12 devices, two sensors), the last in reverse order, so
            // that series are replaced and found again.
            for round in 0..<3 {
                let order = round == 2 ? devices.reversed() : devices
                var body = ""
                for device in order {
                    for (code, measurement) in [("SM", "soil_moisture"), ("LI", "light")] {
                        let reading = round * 1000 + Int(device)! * 10 + (code == "SM" ? 1 : 2)
                        body += "\(device)\(code)\(reading)\n"
                        expected.append("\(measurement) \(device) \(reading)")
                    }
                }
                try connection.send(
                    "POST /write HTTP/1.1\r\nHost: x\r\nAuthorization: Token \(token)\r\n"
                        + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)")
                #expect(try connection.readResponse().status == 204)
            }
            try gateway.waitUntilDelivered()
            let stored = try storedPoints(influxd, database: database).map {
                "\($0.measurement) \($0.deviceID) \($0.reading)"
            }
            #expect(stored == expected)
        }
    }

    @Test func badLinesAreReportedByNumberAndGoodLinesStillStored() throws {
        let influxd = try InfluxDServer.shared()
        let database = try influxd.createDatabase("partial")
        try withGateway(influxURL: influxd.url, database: database) { gateway in
            let token = try gateway.app.users.add("summer")
            let response = try gateway.post("01SM100\nbogus\n01XX1\n01HU050\n01STERRDebug-3\n", token: token)
            #expect(response.status == 400)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
            #expect(json["code"] as? String == "invalid")
            #expect(json["accepted"] as? Int == 2)
            let rejected = try #require(json["rejected"] as? [[String: Any]])
            #expect(rejected.map { $0["line"] as? Int } == [2, 3])
            #expect(rejected.map { $0["text"] as? String } == ["bogus", "01XX1"])
            #expect(rejected.last?["error"] as? String == "unknown sensor code 'XX'")
            try gateway.waitUntilDelivered()
            #expect(
                try storedPoints(influxd, database: database) == [
                    StoredPoint(
                        measurement: "soil_moisture", deviceID: "01", user: "summer", reading: 100,
                        time: Self.firstStamp),
                    StoredPoint(
                        measurement: "humidity", deviceID: "01", user: "summer", reading: 50, time: Self.firstStamp + 3),
                ])
            let metrics = try gateway.get("/metrics").bodyText
            #expect(metrics.contains(#"plantbuddy_sensor_failures_total{sensor="soil_temp"} 1"#))
            #expect(metrics.contains("plantbuddy_lines_rejected_total 2"))
        }
    }

    @Test func missingOrUnknownTokenStoresNothing() throws {
        let influxd = try InfluxDServer.shared()
        let database = try influxd.createDatabase("auth")
        try withGateway(influxURL: influxd.url, database: database) { gateway in
            let token = try gateway.app.users.add("jerry")
            #expect(try gateway.post("01SM100", token: nil).status == 401)
            #expect(try gateway.post("01SM100", token: "pbd_not-a-real-token").status == 401)
            #expect(try gateway.post("01SM100", token: token + "x").status == 401)
            let bearer = try gateway.http.send(
                HTTPClientRequest(
                    method: "POST", url: "http://127.0.0.1:\(gateway.port)/write",
                    headers: [("Authorization", "bearer \(token)")], body: Array("01SM100".utf8)))
            #expect(bearer.status == 204)
            try gateway.waitUntilDelivered()
            #expect(try storedPoints(influxd, database: database).count == 1)
        }
    }

    /// Tokens, right or wrong, never reach the log, even when the request is refused.
    @Test func deviceTokensNeverAppearInLogs() throws {
        let influxd = try InfluxDServer.shared()
        let database = try influxd.createDatabase("logs")
        let capture = CapturedLines()
        try withGateway(
            influxURL: influxd.url, database: database,
            configure: {
                $0.logLevel = .debug
                $0.server.logger = Logger(level: .debug) { line in capture.append(line) }
            }
        ) { gateway in
            let token = try gateway.app.users.add("rick")
            _ = try gateway.post("01SM100\nbad line\n01LIERR", token: token)
            _ = try gateway.post("01SM100", token: "pbd_wrong-token-value")
            _ = try gateway.post("01SM100", token: nil)
            let lines = capture.lines
            #expect(lines.contains { $0.contains("write refused") })
            #expect(lines.contains { $0.contains("failed sensor") })
            #expect(!lines.contains { $0.contains(token) || $0.contains(String(token.dropFirst(4))) })
            #expect(!lines.contains { $0.contains("wrong-token-value") })
        }
    }

    @Test func oversizedBodyIs413AndUnknownPathsAre404() throws {
        let influxd = try InfluxDServer.shared()
        try withGateway(influxURL: influxd.url, database: "unused", configure: { $0.server.limits.maxBodyBytes = 64 }) {
            gateway in
            let token = try gateway.app.users.add("squanchy")
            #expect(try gateway.post(String(repeating: "01SM100\n", count: 20), token: token).status == 413)
            #expect(try gateway.get("/nothing-here").status == 404)
            #expect(try gateway.get("/write").status == 405)
            // Counted by route, an unknown path as "unmatched": paths a client makes up are not labels.
            let metrics = try gateway.get("/metrics").bodyText
            #expect(metrics.contains(#"plantbuddy_http_requests_total{route="unmatched",status="404"} 1"#))
            #expect(metrics.contains(#"plantbuddy_http_requests_total{route="/write",status="405"} 1"#))
            #expect(!metrics.contains("nothing-here"))
        }
    }
}
