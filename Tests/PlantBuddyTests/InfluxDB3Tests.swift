import CurlClient
import Foundation
import HTTPServer
import InfluxClient
import PlantBuddy
import TestSupport
import Testing
import WriteAheadLog

/// InfluxDB 3 Core cannot be installed here: these run against `InfluxDB3StandIn`, a loopback server
/// answering with the bytes of 3.x's own server tests and docs.
@Suite struct InfluxDB3StandInTests {
    /// `auto` finds 3.x from `/ping`; a type-conflicting line costs only itself: one request, the others
    /// written, exactly that line dead-lettered with InfluxDB's reason, nothing bisected or resent.
    @Test func aPartialWriteSetsAsideOnlyTheRefusedLinesInOneRequest() throws {
        let influx = try InfluxDB3StandIn(token: "apiv3_t0ken")  // 401 for a request without it
        defer { influx.stop() }
        // `light` already holds a float field, so the gateway's integer reading conflicts.
        _ = try InfluxDBClient(
            configuration: InfluxConfiguration(url: influx.url, token: "apiv3_t0ken", bucket: "plants", api: .v3)
        ).write(Array("light,device_id=01,user=other reading=1.5 1\n".utf8))
        try withGateway(
            influxURL: influx.url, database: "plants", configure: { $0.influx.token = "apiv3_t0ken" }
        ) { gateway in
            let token = try gateway.app.users.add("conflict")
            #expect(try gateway.post("01SM100\n01LI200\n01HU300\n02SM101", token: token).status == 204)
            try gateway.waitUntilDelivered()
            let writes = influx.requests.filter { $0.path == "/api/v3/write_lp" }
            #expect(writes.count == 2, "the seed and one batch: nothing resent")
            #expect(writes.last?.target.contains("db=plants&precision=nanosecond&accept_partial=true") == true)
            #expect(
                influx.written.dropFirst().map { $0.split(separator: ",")[0] } == [
                    "soil_moisture", "humidity", "soil_moisture",
                ])
            let deadLetters = try String(
                contentsOfFile: gateway.app.configuration.dataDirectory + "/dead-letter.jsonl", encoding: .utf8
            ).split(separator: "\n")
            #expect(deadLetters.count == 1)
            #expect(deadLetters.first?.contains(#""line":"light,device_id=01,user=conflict reading=200i"#) == true)
            #expect(deadLetters.first?.contains("expected iox::column_type::field::float") == true)
            let metrics = try gateway.get("/metrics").bodyText
            #expect(metrics.contains("plantbuddy_lines_dead_lettered_total 1"))
            #expect(metrics.contains("plantbuddy_points_written_total 3"))
        }
    }

    /// The refused lines of one answer are kept together: while the dead-letter file cannot be
    /// written they stay buffered (the batch is sent again, which InfluxDB overwrites), and once it
    /// can, each is kept exactly once.
    @Test func refusedLinesWaitForTheDeadLetterFileAndAreKeptOnce() throws {
        let influx = try InfluxDB3StandIn()
        defer { influx.stop() }
        _ = try InfluxDBClient(configuration: InfluxConfiguration(url: influx.url, bucket: "plants", api: .v3))
            .write(
                Array(
                    "light,device_id=01,user=other reading=1.5 1\nhumidity,device_id=01,user=other reading=2.5 1\n".utf8
                ))
        try withGateway(influxURL: influx.url, database: "plants") { gateway in
            let deadLetterPath = gateway.app.configuration.dataDirectory + "/dead-letter.jsonl"
            try FileManager.default.createDirectory(atPath: deadLetterPath, withIntermediateDirectories: false)
            let token = try gateway.app.users.add("blocked")
            #expect(try gateway.post("01LI200\n01SM100\n01HU300", token: token).status == 204)
            try waitUntil("the dead-letter file was tried twice") {
                try gateway.get("/metrics").bodyText.contains("plantbuddy_dead_letter_errors_total 2")
            }
            #expect(gateway.app.buffer.status.bufferedLines == 3, "kept while the refusals have nowhere to go")
            try FileManager.default.removeItem(atPath: deadLetterPath)
            try gateway.waitUntilDelivered()
            let kept = try String(contentsOfFile: deadLetterPath, encoding: .utf8).split(separator: "\n")
            #expect(kept.count == 2)
            #expect(kept.filter { $0.contains(#""line":"light,device_id=01,user=blocked reading=200i"#) }.count == 1)
            #expect(kept.filter { $0.contains(#""line":"humidity,device_id=01,user=blocked reading=300i"#) }.count == 1)
            #expect(try gateway.get("/metrics").bodyText.contains("plantbuddy_lines_dead_lettered_total 2"))
        }
    }

    /// A 400 that names no lines (the whole batch refused) and 422 (a schema limit) refuse the lines
    /// for good, found line by line; 401 and 404 keep them until the token or database is fixed.
    @Test func refusalsFollowTheSameRulesAsOnOtherVersions() throws {
        let influx = try InfluxDB3StandIn()
        defer { influx.stop() }
        try withGateway(influxURL: influx.url, database: "plants", configure: { $0.influx.api = .v3 }) { gateway in
            let token = try gateway.app.users.add("limits")
            var deadLettered = 0
            for status in [HTTPStatus.badRequest, HTTPStatus(code: 422, reason: "Unprocessable Entity")] {
                influx.failWrites(with: status)
                #expect(try gateway.post("01SM100\n01HU300", token: token).status == 204)
                try gateway.waitUntilDelivered()
                deadLettered += 2
                #expect(
                    try gateway.get("/metrics").bodyText.contains(
                        "plantbuddy_lines_dead_lettered_total \(deadLettered)"),
                    "\(status.code)")
            }
            for status in [HTTPStatus.unauthorized, .notFound] {
                influx.failWrites(with: status)
                let before = influx.requests.count
                #expect(try gateway.post("01SM101", token: token).status == 204)
                try waitUntil("the write was refused") { influx.requests.count > before }
                #expect(gateway.app.buffer.status.bufferedLines == 1, "\(status.code): kept until fixed")
                influx.failWrites(with: nil)
                try gateway.waitUntilDelivered()
            }
            #expect(influx.written.count == 2)
        }
    }

    /// The page reads 3.x in SQL: the user and time bound only as parameters, windows by `date_bin`,
    /// an answer of many chunks read as it streams; 30 days from the downsampled database, completed
    /// from the raw one; the latest reading as sent.
    @Test func pagesReadInSQLWithTheUserAsAParameter() throws {
        let windowStart = Int64(Date().timeIntervalSince1970) / 3600 * 3600 - 3000 * 3600
        let influx = try InfluxDB3StandIn { database, query, params in
            guard params["user"] as? String == "rick" else { return HTTPResponse.text(.badRequest, "no user") }
            if query.contains("last_cache(") {  // no cache made: 3.x refuses the query
                return HTTPResponse.text(.badRequest, "Error during planning: last cache not found")
            }
            if query.contains("row_number()") {
                return InfluxDB3StandIn.jsonl([
                    [
                        "measurement": "soil_moisture", "device_id": "01", "bucket_start": "2026-12-02T10:57:41.5",
                        "reading": 586,
                    ]
                ])
            }
            // 3,000 hourly means (about 300 KB: many chunks), then the newest from the raw database.
            let hours = database == "downsampled" ? 0..<3000 : 2999..<3001
            return InfluxDB3StandIn.jsonl(
                hours.map { hour in
                    let time = Date(timeIntervalSince1970: Double(windowStart + Int64(hour) * 3600))
                    return [
                        "measurement": "soil_moisture", "device_id": "01", "reading": 40.25 + Double(hour % 7),
                        "bucket_start": String(ISO8601DateFormatter().string(from: time).dropLast()),
                    ]
                })
        }
        defer { influx.stop() }
        influx.addTables(["soil_moisture", "not_ours"])
        try withProbedApp(influxURL: influx.url, configure: { $0.influx.bucket = "plants" }) { probe in
            _ = try probe.app.users.add("rick", passwordHash: testPasswordHash("pickle"))
            let cookie = try probe.signIn("rick", password: "pickle")
            let page = try probe.answer(.make(.get, "/?range=30d", headers: [("Cookie", cookie)]))
            #expect(page.status == .ok && page.text.contains(#"<g class="panel" data-title="soil_moisture">"#))
            #expect(page.text.contains("586") && page.text.contains("10:57:41"))
        }
        let queries = influx.requests.filter { $0.path == "/api/v3/query_sql" }.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.body)) as? [String: Any]
        }
        let reads = queries.filter {
            ($0["q"] as? String).map { !$0.contains("information_schema") && !$0.contains("last_cache(") } ?? false
        }
        #expect(reads.count == 3)
        for read in reads {
            let sql = read["q"] as? String ?? ""
            #expect(!sql.contains("rick") && sql.contains("$user") && read["format"] as? String == "jsonl")
            #expect((read["params"] as? [String: Any])?["user"] as? String == "rick")
            #expect(!sql.contains("not_ours"))
        }
        #expect(reads.map { $0["db"] as? String } == ["downsampled", "plants", "plants"])
        #expect(reads[0]["q"].map { "\($0)".contains("date_bin(INTERVAL '3600 seconds', time)") } == true)
        #expect((reads[1]["params"] as? [String: Any])?["since"] as? Int == Int(windowStart + 2998 * 3600) * 1000)
    }

    /// With setup's alerts trigger on 3.x the plugin judges the rules, which the gateway writes as
    /// `plantbuddy_rules` points; without it the gateway judges them itself, as on 1.x.
    @Test func whoEvaluatesAlertsFollowsTheAlertsTrigger() throws {
        for withPlugin in [true, false] {
            let influx = try InfluxDB3StandIn()
            defer { influx.stop() }
            if withPlugin {
                let trigger =
                    #"{"db":"plants","trigger_name":"plantbuddy_alerts_0123456789ab","plugin_filename":"plantbuddy_alerts.py","#
                    + #""trigger_specification":"every:1m","disabled":false}"#
                _ = try CurlHTTPClient().send(
                    HTTPClientRequest(
                        method: "POST", url: influx.url + "/api/v3/configure/processing_engine_trigger",
                        body: Array(trigger.utf8)))
            }
            try withGateway(influxURL: influx.url, database: "plants", clock: ReadingClock()) { gateway in
                _ = try gateway.app.users.add("rick")
                try waitUntil("the gateway knows who evaluates") {
                    try gateway.get("/health").bodyText.contains(
                        #""evaluated_by":"\#(withPlugin ? "influxdb" : "gateway")""#)
                }
                #expect(gateway.app.evaluatesAlerts == !withPlugin)
                if withPlugin {
                    try waitUntil("the rules reach InfluxDB 3") {
                        influx.written.contains { $0.hasPrefix("plantbuddy_rules,device_id=*,rule_id=default-soil") }
                    }
                }
            }
        }
    }

    /// With setup's last-value caches the latest table comes from them (no table scanned), within the range.
    @Test func theLatestReadingsComeFromTheLastValueCache() throws {
        let now = Date()
        @Sendable func stamp(_ secondsAgo: Double) -> String {
            String(ISO8601DateFormatter().string(from: now.addingTimeInterval(-secondsAgo)).dropLast())
        }
        let influx = try InfluxDB3StandIn { _, query, params in
            guard params["user"] as? String == "rick" else { return HTTPResponse.text(.badRequest, "no user") }
            guard query.contains("last_cache('soil_moisture', 'plantbuddy_latest')") else {  // the chart's means
                return InfluxDB3StandIn.jsonl([
                    ["measurement": "soil_moisture", "device_id": "01", "bucket_start": stamp(300), "reading": 500]
                ])
            }
            return InfluxDB3StandIn.jsonl([
                ["measurement": "soil_moisture", "device_id": "01", "bucket_start": stamp(90), "reading": 586],
                ["measurement": "soil_moisture", "device_id": "02", "bucket_start": stamp(30 * 86_400), "reading": 7],
            ])
        }
        defer { influx.stop() }
        influx.addTables(["air_temp", "humidity", "light", "soil_moisture", "soil_temp"])
        try withProbedApp(influxURL: influx.url, configure: { $0.influx.bucket = "plants" }) { probe in
            _ = try probe.app.users.add("rick", passwordHash: testPasswordHash("pickle"))
            let cookie = try probe.signIn("rick", password: "pickle")
            for _ in 0..<2 {
                let page = try probe.answer(.make(.get, "/?range=48h", headers: [("Cookie", cookie)])).text
                #expect(page.contains(">586<") && !page.contains(">7<"), "the 30-day-old reading is outside 48 h")
            }
        }
        let bodies = influx.requests.map { String(decoding: $0.body, as: UTF8.self) }
        #expect(!bodies.contains { $0.contains("row_number()") })
        // Every sensor has its table: asked once, then remembered for both pages' queries.
        #expect(bodies.filter { $0.contains("information_schema.tables") }.count == 1)
    }

    /// Before anything was written, 3.x has no database: the page is the empty state, not an error.
    @Test func noDatabaseYetIsAnEmptyChart() throws {
        let influx = try InfluxDB3StandIn { database, _, _ in
            HTTPResponse(
                status: .notFound, contentType: "application/json",
                body: #"{"error":"query error: database not found: \#(database)"}"#)
        }
        defer { influx.stop() }
        try withProbedApp(influxURL: influx.url) { probe in
            _ = try probe.app.users.add("rick", passwordHash: testPasswordHash("pickle"))
            let cookie = try probe.signIn("rick", password: "pickle")
            let page = try probe.answer(.make(.get, "/?range=48h", headers: [("Cookie", cookie)]))
            #expect(
                page.status == .ok && !page.text.contains("cannot be shown") && !page.text.contains("class=\"panel\""))
        }
    }
}

/// `plantbuddy setup` against the 3.x stand-in: its exact requests, and a second run that sends nothing.
@Suite struct SetupInfluxDB3StandInTests {
    private static let plugins =
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Plugins")
        .standardized.path

    private func setup(
        _ influx: InfluxDB3StandIn, _ extra: [String] = [], bucket: String = "downsampled", publicURL: String = ""
    ) -> (Int32, [String]) {
        var output: [String] = []
        let status = Command.run(
            ["setup"] + extra,
            environment: [
                "INFLUX_URL": influx.url, "INFLUX_BUCKET": "plants", "INFLUX_DOWNSAMPLED_BUCKET": bucket,
                "INFLUX_RAW_RETENTION": "30d", "INFLUX_DOWNSAMPLED_RETENTION": "365d",
                "PLANTBUDDY_PLUGINS_DIR": Self.plugins, "PLANTBUDDY_PUBLIC_URL": publicURL,
                "PLANTBUDDY_NOTIFY_SECRET": "never-an-argument",
            ], output: { output.append($0) }, errors: { output.append($0) })
        return (status, output)
    }

    private func changes(_ influx: InfluxDB3StandIn) -> Int {
        influx.requests.filter { [.post, .put, .delete].contains($0.method) && $0.path != "/api/v3/query_sql" }.count
    }

    @Test func databasesPluginAndTriggerAreMadeOnceAndKeptUpToDate() throws {
        let influx = try InfluxDB3StandIn()
        defer { influx.stop() }
        influx.addTables(["soil_moisture"])  // a sensor that has sent: its last-value cache can be made
        let dry = setup(influx, ["--dry-run"])
        #expect(dry.0 == 0 && dry.1.contains("would create database plants (retention 30d)"), "\(dry.1)")
        #expect(changes(influx) == 0)

        let first = setup(influx)
        #expect(first.0 == 0, "\(first.1)")
        #expect(influx.databases == ["plants", "downsampled"])
        let retention = influx.requests.filter { $0.path == "/api/v3/configure/database" && $0.method == .post }
            .map { String(decoding: $0.body, as: UTF8.self) }
        #expect(
            retention == [
                #"{"db":"plants","retention_period":"30d"}"#, #"{"db":"downsampled","retention_period":"365d"}"#,
            ])
        let plugin = try String(contentsOfFile: Self.plugins + "/plantbuddy_downsample.py", encoding: .utf8)
        #expect(influx.plugins == ["plantbuddy_downsample.py": plugin])
        let trigger = try #require(influx.triggers.first)
        #expect(influx.triggers.count == 1 && trigger.name.hasPrefix("plantbuddy_downsample_"))
        #expect(trigger.database == "plants" && trigger.plugin == "plantbuddy_downsample.py")
        #expect(trigger.specification == "every:10m" && trigger.errorBehavior == "log" && !trigger.disabled)
        #expect(
            trigger.arguments == [
                "target_database": "downsampled", "window_seconds": "600",
                "tables": "air_temp,humidity,light,soil_moisture,soil_temp",
            ])
        #expect(!trigger.arguments.keys.contains { $0.contains("secret") || $0.contains("token") })

        #expect(
            influx.lastCaches == [
                .init(
                    table: "soil_moisture", name: "plantbuddy_latest", keyColumns: ["user", "device_id"],
                    valueColumns: ["reading"])
            ])
        #expect(
            first.1.contains("no last-value cache on light yet (no readings); run setup again once devices have sent"))

        let before = changes(influx)
        let second = setup(influx)
        #expect(second.0 == 0 && second.1.contains { $0.hasSuffix("is up to date") }, "\(second.1)")
        #expect(changes(influx) == before, "a second run changes nothing")

        // Another downsampled database: a new trigger, the outdated one deleted.
        let third = setup(influx, bucket: "means")
        #expect(third.0 == 0 && third.1.contains("deleted the outdated trigger \(trigger.name)"), "\(third.1)")
        #expect(influx.triggers.map(\.arguments["target_database"]) == ["means"])

        // With the gateway's public URL, the alerts plugin and its trigger too; the secret nowhere.
        let alerts = setup(influx, bucket: "means", publicURL: "https://plants.example/")
        #expect(alerts.0 == 0, "\(alerts.1)")
        let alertTrigger = try #require(influx.triggers.first { $0.plugin == "plantbuddy_alerts.py" })
        #expect(alertTrigger.name.hasPrefix("plantbuddy_alerts_") && alertTrigger.specification == "every:1m")
        #expect(
            alertTrigger.arguments == [
                "notify_url": "https://plants.example/notify", "lookback_seconds": "604800",
                "tables": "air_temp,humidity,light,soil_moisture,soil_temp",
            ])
        #expect(
            influx.plugins["plantbuddy_alerts.py"]
                == (try String(contentsOfFile: Self.plugins + "/plantbuddy_alerts.py", encoding: .utf8)))
        #expect(!influx.requests.contains { String(decoding: $0.body, as: UTF8.self).contains("never-an-argument") })
        #expect(influx.triggers.count == 2)
    }
}
