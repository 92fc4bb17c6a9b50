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

/// The whole write path against a real `influxd` 1.x: device lines in, points read back with InfluxQL.
final class CapturedLines: Sendable {
    private let storage = Mutex<[String]>([])
    func append(_ line: String) { storage.withLock { $0.append(line) } }
    var lines: [String] { storage.withLock { $0 } }
}

@Suite struct GatewayEndToEndTests {
    static let firstStamp: Int64 = 1_700_000_000_000_000_000

    struct Gateway {
        let app: App
        let port: UInt16
        let http = CurlHTTPClient()

        func post(_ body: String, token: String?, path: String = "/write") throws -> HTTPClientResponse {
            let headers = token.map { [("Authorization", "Token \($0)")] } ?? []
            return try http.send(
                HTTPClientRequest(
                    method: "POST", url: "http://127.0.0.1:\(port)\(path)", headers: headers, body: Array(body.utf8)))
        }

        func get(_ path: String) throws -> HTTPClientResponse {
            try http.send(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"))
        }

        /// Acknowledged readings reach InfluxDB in the background; wait until the buffer is empty.
        func waitUntilDelivered(timeout: TimeInterval = 30) throws {
            let deadline = Date().addingTimeInterval(timeout)
            while app.buffer.status.bufferedLines > 0 {
                guard Date() < deadline else {
                    throw TestError("\(app.buffer.status.bufferedLines) lines still buffered")
                }
                usleep(20_000)
            }
        }
    }

    /// Starts a gateway on an ephemeral port whose clock starts at `firstStamp`, runs `body`, stops it.
    func withGateway(
        influxURL: String, database: String, configure: (inout Configuration) -> Void = { _ in },
        _ body: (Gateway) throws -> Void
    ) throws {
        var configuration = Configuration()
        configuration.server.port = 0
        configuration.logLevel = .error
        configuration.dataDirectory = NSTemporaryDirectory() + "plantbuddy-e2e-\(UUID().uuidString)"
        configuration.influx = InfluxConfiguration(url: influxURL, bucket: database, api: .auto)
        configuration.delivery.flushInterval = .milliseconds(50)
        configuration.delivery.retryInitial = .milliseconds(100)
        configuration.delivery.retryMax = .milliseconds(500)
        configure(&configuration)
        let app = try App(configuration: configuration, clock: ReadingClock(now: { Self.firstStamp }))
        let port = try app.start()
        defer {
            app.stop()
            app.waitUntilStopped()
        }
        try body(Gateway(app: app, port: port))
    }

    struct StoredPoint: Equatable, CustomStringConvertible {
        let measurement: String
        let deviceID: String
        let user: String
        let reading: Int64
        let time: Int64
        var description: String { "\(measurement),device_id=\(deviceID),user=\(user) reading=\(reading)i \(time)" }
    }

    func storedPoints(_ influxd: InfluxDServer, database: String, user: String? = nil) throws -> [StoredPoint] {
        let filter = user == nil ? "" : #" WHERE "user" = $user"#
        let rows = try influxd.rows(
            #"SELECT "device_id", "user", "reading" FROM /.*/"# + filter, database: database,
            parameters: user.map { ["user": $0] } ?? [:])
        return rows.map { measurement, columns in
            StoredPoint(
                measurement: measurement, deviceID: columns["device_id"] as? String ?? "?",
                user: columns["user"] as? String ?? "?", reading: (columns["reading"] as? NSNumber)?.int64Value ?? -1,
                time: (columns["time"] as? NSNumber)?.int64Value ?? -1)
        }.sorted { $0.time < $1.time }
    }

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
        }
    }
}
