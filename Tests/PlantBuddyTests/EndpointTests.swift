import Foundation
import HTTPServer
import InfluxClient
import Observability
import PlantBuddy
import Synchronization
import TestSupport
import Testing
import WriteAheadLog

/// The endpoints called as the server calls them, without a socket (`ProbedApp`): exact answers,
/// and exactly what reached the buffer. InfluxDB, where a route needs it, is a loopback replay of
/// InfluxDB 2.x's own answers (it cannot be installed here).
@Suite struct EndpointTests {
    /// Never called: these routes must not need InfluxDB at all.
    private static let noInfluxDB = "http://127.0.0.1:9"

    /// Annotated CSV as InfluxDB 2.x answers the graph query: device 01's soil moisture, a row per
    /// (seconds ago, value).
    private static func soilMoistureCSV(_ rows: [(secondsAgo: Int, value: String)]) -> String {
        let now = Int(Date().timeIntervalSince1970)
        let header = [
            "#datatype,string,long,dateTime:RFC3339,double,string,string", "#group,false,false,false,false,true,true",
            "#default,_result,,,,,", ",result,table,_time,_value,_measurement,device_id",
        ]
        let lines = rows.map { ",,0,\(Timestamp(seconds: Int64(now - $0.secondsAgo))),\($0.value),soil_moisture,01" }
        return (header + lines + ["", ""]).joined(separator: "\r\n")
    }

    private func bufferedLines(_ app: App) throws -> [String] {
        let batch = try app.buffer.read(
            from: app.buffer.confirmedPosition, maxBytes: 1 << 20, maxLines: 1000, until: Date())
        return String(decoding: batch.payloads, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// The device path keeps the good lines, reports the bad one by number, and stores nothing else.
    @Test func aDeviceWriteKeepsGoodLinesAndNamesTheBadOne() throws {
        try withProbedApp(influxURL: Self.noInfluxDB) { probe in
            let token = try probe.app.users.add("rick")
            let response = try probe.answer(
                .make(
                    .post, "/write", headers: [("Authorization", "Token \(token)")],
                    body: "01SM144\r\n01XX1\r\n02LI7\r\n"))
            #expect(response.status == .badRequest)
            #expect(
                response.text
                    == #"{"accepted":2,"code":"invalid","message":"1 of 3 lines rejected; the other 2 were stored","#
                    + #""rejected":[{"error":"unknown sensor code 'XX'","line":2,"text":"01XX1"}],"rejected_total":1}"#)
            #expect(
                try bufferedLines(probe.app) == [
                    "soil_moisture,device_id=01,user=rick reading=144i \(gatewayFirstStamp)",
                    "light,device_id=02,user=rick reading=7i \(gatewayFirstStamp + 2)",
                ])
        }
    }

    @Test func anUnknownTokenIs401AndStoresNothing() throws {
        try withProbedApp(influxURL: Self.noInfluxDB) { probe in
            _ = try probe.app.users.add("rick")
            for path in ["/write", "/api/v2/write?org=x&bucket=y", "/write?db=plants"] {
                let response = try probe.answer(
                    .make(.post, path, headers: [("Authorization", "Token pbd_not-a-token")], body: "01SM144"))
                #expect(response.status == .unauthorized, "\(path)")
            }
            #expect(try bufferedLines(probe.app).isEmpty)
        }
    }

    /// Both write endpoints go one way through the buffer: when it is full each answers 503 with the
    /// same `Retry-After`, in its own API's error shape, and keeps nothing.
    @Test func aFullBufferRefusesEveryWriteEndpointAlike() throws {
        try withProbedApp(influxURL: Self.noInfluxDB, configure: { $0.maxBufferedBytes = 64 }) { probe in
            let token = try probe.app.users.add("rick")
            let auth = [("Authorization", "Token \(token)")]
            let readings = String(repeating: "01SM144\n", count: 20)
            let points = String(repeating: "m,a=1 v=1i\n", count: 20)
            let device = try probe.answer(.make(.post, "/write", headers: auth, body: readings))
            let v2 = try probe.answer(.make(.post, "/api/v2/write?org=o&bucket=b", headers: auth, body: points))
            let v1 = try probe.answer(.make(.post, "/write?db=plants", headers: auth, body: points))
            for response in [device, v2, v1] {
                #expect(response.status == .serviceUnavailable)
                #expect(response.header("Retry-After") == "5")
            }
            #expect(device.text.contains(#""code":"unavailable""#))
            #expect(v2.text.contains(#""code":"unavailable""#))
            #expect(v1.text.hasPrefix(#"{"error":"write buffer full"#))
            #expect(try bufferedLines(probe.app).isEmpty)
        }
    }

    /// The signed-in page against InfluxDB 2.x's recorded answer shapes (a `/ping` with its version
    /// header, annotated CSV for the Flux query): the chart and the latest reading are there.
    @Test func theSignedInPageDrawsWhatInfluxDB2Answers() throws {
        let csv = Self.soilMoistureCSV([(600, "41"), (300, "43.5")])
        let replay = try ReplayServer { request in
            if request.path == "/ping" {
                return HTTPResponse(status: .noContent, headers: ["X-Influxdb-Version": "v2.7.12"])
            }
            return HTTPResponse(status: .ok, contentType: "text/csv; charset=utf-8", body: csv)
        }
        defer { replay.stop() }
        try withProbedApp(influxURL: replay.url, configure: { $0.influx.org = "plants" }) { probe in
            _ = try probe.app.users.add("rick", passwordHash: testPasswordHash("pickle"))
            let cookie = try probe.signIn("rick", password: "pickle")
            let page = try probe.answer(.make(.get, "/?range=6h", headers: [("Cookie", cookie)]))
            #expect(page.status == .ok)
            #expect(page.text.contains(#"<g class="panel" data-title="soil_moisture">"#))
            #expect(page.text.contains(#"<td class="value">43.5</td>"#))
            #expect(page.header("Content-Security-Policy")?.hasPrefix("default-src 'none'") == true)
        }
        #expect(replay.requests.contains { $0.path == "/api/v2/query" })
    }

    /// Every metric the gateway renders says what it is.
    @Test func everyMetricHasHelpAndAType() throws {
        try withProbedApp(influxURL: Self.noInfluxDB) { probe in
            let token = try probe.app.users.add("rick")
            _ = try probe.answer(.make(.post, "/write", headers: [("Authorization", "Token \(token)")], body: "01SM1"))
            let text = try probe.answer(.make(.get, "/metrics")).text
            let families = text.split(separator: "\n").filter { $0.hasPrefix("# HELP ") }
            #expect(families.count > 20)
            for line in families {
                let parts = line.split(separator: " ", maxSplits: 3)
                // Described: a family the registry made on first use has its own name as help.
                #expect(parts.count == 4 && parts[3] != parts[2] && !parts[3].isEmpty, "\(line)")
                #expect(text.contains("# TYPE \(parts[2]) "), "\(line)")
            }
        }
    }

    /// What InfluxDB 2.x's notification rule (Flux/notification_rule.flux) posts for a status of a
    /// person's rule: it reads like the gateway's own alerts, names the device as its owner does,
    /// is shown as needing attention until the recovery, and a repeat is stored once.
    @Test func aRuleStatusFromInfluxDB2ReadsLikeTheGatewaysOwnAlert() throws {
        try withProbedApp(influxURL: Self.noInfluxDB, configure: { $0.notifySecret = "hook-secret" }) { probe in
            _ = try probe.app.users.add("rick")
            try probe.app.users.nameDevice("01", "Fern", for: "rick")
            let rule = try probe.app.users.addRule(
                AlertRule(sensor: "soil_moisture", deviceID: "01", condition: .atOrBelow(30)), for: "rick",
                catalog: .standard, limits: probe.app.configuration.alertLimits)
            func post(_ level: String, _ value: Double, at time: String) throws -> HTTPResponse {
                try probe.answer(
                    .make(
                        .post, "/notify",
                        headers: [("Authorization", "hook-secret"), ("Content-Type", "application/json")],
                        body: #"{"check_id":"\#(rule.id)","device_id":"01","level":"\#(level)","#
                            + #""message":"soil_moisture \#(value) (below 30.0)","sensor":"soil_moisture","#
                            + #""time":"\#(time)","user":"rick","value":\#(value)}"#))
            }
            #expect(try post("crit", 21.5, at: "2026-12-01T10:00:00Z").status == .ok)
            #expect(try post("crit", 21.5, at: "2026-12-01T10:00:00Z").status == .ok)  // a repeat
            // A fresh store each time reads the files the app wrote.
            var store: NotificationStore { NotificationStore(dataDirectory: probe.app.configuration.dataDirectory) }
            #expect(store.recent(for: "rick").map(\.message) == ["Fern: soil moisture 21.5 (at or below 30)"])
            #expect(store.openAlerts(for: "rick").count == 1)
            #expect(try post("ok", 48, at: "2026-12-01T10:30:00Z").status == .ok)
            #expect(
                store.recent(for: "rick").first?.message == "Fern: soil moisture recovered, 48 (rule: at or below 30)")
            #expect(store.openAlerts(for: "rick").isEmpty)
        }
    }

    /// A full buffer refuses every write; the log says so once, not once per request, and says when
    /// it clears. Every refusal is still counted.
    @Test func aFloodOfRefusalsIsLoggedOnceAndItsEndOnce() throws {
        let lines = Mutex<[String]>([])
        try withProbedApp(
            influxURL: Self.noInfluxDB,
            configure: {
                $0.maxBufferedBytes = 300
                $0.server.logger = Logger(level: .info, sink: { line in lines.withLock { $0.append(line) } })
                $0.logLevel = .info
            }
        ) { probe in
            let token = try probe.app.users.add("rick")
            let auth = [("Authorization", "Token \(token)")]
            let tooMany = String(repeating: "01SM144\n", count: 20)
            for _ in 0..<200 {
                #expect(
                    try probe.answer(.make(.post, "/write", headers: auth, body: tooMany)).status == .serviceUnavailable
                )
            }
            #expect(try probe.answer(.make(.post, "/write", headers: auth, body: "01SM144")).status == .noContent)
            let logged = lines.withLock { $0 }
            #expect(logged.filter { $0.contains("msg=\"cannot buffer readings\"") }.count == 1)
            #expect(
                logged.filter { $0.contains("msg=\"cannot buffer readings: cleared\" unlogged_repeats=199") }.count == 1
            )
            #expect(
                try probe.answer(.make(.get, "/metrics")).text.contains(
                    #"plantbuddy_buffer_refusals_total{reason="full"} 200"#))
        }
    }

    /// With default settings the 30-day chart reads what setup makes, the `downsampled` bucket; while
    /// InfluxDB 2.x says it does not exist (its own 404), the raw bucket is read instead.
    @Test func theLongRangesFallBackToRawReadingsWithoutADownsampledBucket() throws {
        let csv = Self.soilMoistureCSV([(86_400, "41")])
        let replay = try ReplayServer { request in
            if request.path == "/ping" {
                return HTTPResponse(status: .noContent, headers: ["X-Influxdb-Version": "v2.7.12"])
            }
            let body = String(decoding: request.body, as: UTF8.self)
            if body.contains(#"bucket = \"downsampled\""#) {
                return HTTPResponse(
                    status: .notFound, contentType: "application/json",
                    body:
                        #"{"code":"not found","message":"failed to initialize execute state: could not find bucket \"downsampled\""}"#
                )
            }
            return HTTPResponse(status: .ok, contentType: "text/csv; charset=utf-8", body: csv)
        }
        defer { replay.stop() }
        try withProbedApp(influxURL: replay.url, configure: { $0.influx.org = "plants" }) { probe in
            #expect(probe.app.configuration.downsampledBucket == "downsampled")
            _ = try probe.app.users.add("rick", passwordHash: testPasswordHash("pickle"))
            let cookie = try probe.signIn("rick", password: "pickle")
            let page = try probe.answer(.make(.get, "/?range=30d", headers: [("Cookie", cookie)]))
            #expect(page.status == .ok && page.text.contains(#"<g class="panel" data-title="soil_moisture">"#))
        }
        let queries = replay.requests.filter { $0.path == "/api/v2/query" }.map {
            String(decoding: $0.body, as: UTF8.self)
        }
        #expect(queries.contains { $0.contains(#"bucket = \"downsampled\""#) })
        #expect(queries.contains { $0.contains(#"bucket = \"plants\""#) && $0.contains("every = 1h") })
    }
}

/// What InfluxDB clients probe before writing, answered as InfluxDB answers it.
@Suite struct InfluxProbeTests {
    @Test func pingAnswersAsInfluxDBAndQueryOnlyTakesCreateDatabase() throws {
        try withProbedApp(influxURL: "http://127.0.0.1:9") { probe in
            for method in [HTTPMethod.get, .head] {
                let ping = try probe.answer(.make(method, "/ping"))
                #expect(
                    ping.status == .noContent && ping.headers["X-Influxdb-Version"]?.hasPrefix("plantbuddy-") == true)
            }
            // Telegraf's v1 output, at start: a form body; and as a URL query.
            let created = try probe.answer(
                .make(
                    .post, "/query", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                    body: "q=CREATE+DATABASE+%22telegraf%22"))
            #expect(created.status == .ok && created.text == #"{"results":[{"statement_id":0}]}"#)
            #expect(try probe.answer(.make(.get, "/query?q=create%20database%20plants%3B")).status == .ok)
            for refused in ["SELECT * FROM soil_moisture", "CREATE DATABASE a; DROP DATABASE b", "CREATE DATABASE", ""]
            {
                let answer = try probe.answer(.make(.get, "/query?q=" + InfluxProbeTests.encoded(refused)))
                #expect(answer.status == .notImplemented, "\(refused)")
            }
        }
    }

    private static func encoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }
}
