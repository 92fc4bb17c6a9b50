import Foundation
import HTTPServer
import InfluxClient
import Observability
import Synchronization
import TestSupport
import Testing

@testable import PlantBuddy

/// An in-memory stand-in for the InfluxDB 2.x API that `setup` uses, answering as the reference
/// (shared/reference/influxdb-api.md §4) documents: InfluxDB 2.x cannot run on this machine.
private final class FakeInfluxDB2: Sendable {
    struct State {
        var buckets: [String] = []
        var secrets: [String: String] = [:]
        var tasks: [(id: String, name: String, flux: String)] = []
    }

    let state = Mutex(State())
    let token: String
    let version: String

    init(token: String, version: String = "v2.7.12") {
        self.token = token
        self.version = version
    }

    func respond(_ request: HTTPRequest) -> HTTPResponse {
        func json(_ status: HTTPStatus, _ object: Any) -> HTTPResponse {
            let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
            return HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: Array(data))
        }
        if request.path == "/ping" { return HTTPResponse(status: .noContent, headers: ["X-Influxdb-Version": version]) }
        guard request.headers["Authorization"] == "Token \(token)" else {
            return json(.unauthorized, ["code": "unauthorized", "message": "unauthorized access"])
        }
        let body = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] ?? [:]
        return state.withLock { state in
            switch (request.method, String(request.path)) {
            case (.get, "/api/v2/orgs"):
                guard request.query("org") == "greenhouse" else {
                    return json(
                        .notFound,
                        [
                            "code": "not found",
                            "message": "organization name \"\(request.query("org") ?? "")\" not found",
                        ])
                }
                return json(.ok, ["orgs": [["id": "0a1b2c3d4e5f6789", "name": "greenhouse"]]])
            case (.get, "/api/v2/buckets"):
                let name = request.query("name") ?? ""
                guard state.buckets.contains(name) else {
                    return json(.notFound, ["code": "not found", "message": "bucket not found"])
                }
                return json(.ok, ["buckets": [["id": "b1", "name": name]]])
            case (.post, "/api/v2/buckets"):
                state.buckets.append(body["name"] as? String ?? "")
                return json(HTTPStatus(code: 201, reason: "Created"), ["id": "b\(state.buckets.count)"])
            case (.patch, "/api/v2/orgs/0a1b2c3d4e5f6789/secrets"):
                for (key, value) in body { state.secrets[key] = value as? String }
                return HTTPResponse(status: .noContent)
            case (.get, "/api/v2/tasks"):
                let name = request.query("name") ?? ""
                let matches = state.tasks.filter { $0.name == name }.map {
                    ["id": $0.id, "name": $0.name, "flux": $0.flux]
                }
                return json(.ok, ["tasks": matches])
            case (.post, "/api/v2/tasks"):
                let flux = body["flux"] as? String ?? ""
                let name =
                    flux.components(separatedBy: "option task = {name: \"").dropFirst().first?.components(
                        separatedBy: "\""
                    ).first ?? ""
                state.tasks.append(("t\(state.tasks.count)", name, flux))
                return json(
                    HTTPStatus(code: 201, reason: "Created"), ["id": "t\(state.tasks.count - 1)", "name": name])
            case (.delete, let path) where path.hasPrefix("/api/v2/tasks/"):
                let id = String(path.dropFirst("/api/v2/tasks/".count))
                guard state.tasks.contains(where: { $0.id == id }) else {
                    return json(.notFound, ["message": "task not found"])
                }
                state.tasks.removeAll { $0.id == id }
                return HTTPResponse(status: .noContent)
            case (.patch, let path) where path.hasPrefix("/api/v2/tasks/"):
                let id = String(path.dropFirst("/api/v2/tasks/".count))
                guard let index = state.tasks.firstIndex(where: { $0.id == id }) else {
                    return json(.notFound, ["message": "task not found"])
                }
                state.tasks[index].flux = body["flux"] as? String ?? ""
                return json(.ok, ["id": id])
            default:
                return json(.notFound, ["code": "not found", "message": "path not found"])
            }
        }
    }
}

extension HTTPMethod {
    fileprivate static let patch = HTTPMethod(rawValue: "PATCH")
    fileprivate static let delete = HTTPMethod(rawValue: "DELETE")
}

@Suite struct SetupTests {
    private func run(_ fake: FakeInfluxDB2, url: String, extra: [String] = [], token: String = "admin-token") -> (
        Int32, String, String
    ) {
        var output: [String] = []
        var errors: [String] = []
        let status = Command.run(
            ["setup"] + extra,
            environment: [
                "INFLUX_URL": url, "INFLUX_TOKEN": token, "INFLUX_ORG": "greenhouse", "INFLUX_BUCKET": "plants",
                "PLANTBUDDY_PUBLIC_URL": "https://plants.example/", "PLANTBUDDY_NOTIFY_SECRET": "hook-secret",
            ], output: { output.append($0) }, errors: { errors.append($0) })
        return (status, output.joined(separator: "\n"), errors.joined(separator: "\n"))
    }

    @Test func setupProvisionsOnceAndChangesNothingTheSecondTime() throws {
        let fake = FakeInfluxDB2(token: "admin-token")
        let server = try ReplayServer(fake.respond)
        defer { server.stop() }

        let dry = run(fake, url: server.url, extra: ["--dry-run"])
        #expect(
            dry.0 == 0 && dry.1.contains("would create bucket plants")
                && dry.1.contains("would create task plantbuddy-notify"))
        #expect(fake.state.withLock { $0.buckets.isEmpty && $0.tasks.isEmpty && $0.secrets.isEmpty })

        let dryRequests = server.requests.count
        let first = run(fake, url: server.url)
        #expect(first.0 == 0, "\(first.2)")
        #expect(
            server.requests.dropFirst(dryRequests).map { "\($0.method) \($0.target)" } == [
                "GET /ping", "GET /api/v2/orgs?org=greenhouse",
                "GET /api/v2/buckets?orgID=0a1b2c3d4e5f6789&name=plants", "POST /api/v2/buckets",
                "GET /api/v2/buckets?orgID=0a1b2c3d4e5f6789&name=downsampled", "POST /api/v2/buckets",
                "PATCH /api/v2/orgs/0a1b2c3d4e5f6789/secrets",
                "GET /api/v2/tasks?orgID=0a1b2c3d4e5f6789&name=plantbuddy%2Ddownsample", "POST /api/v2/tasks",
                "GET /api/v2/tasks?orgID=0a1b2c3d4e5f6789&name=plantbuddy%2Dalerts", "POST /api/v2/tasks",
                "GET /api/v2/tasks?orgID=0a1b2c3d4e5f6789&name=plantbuddy%2Dnotify", "POST /api/v2/tasks",
                "GET /api/v2/tasks?orgID=0a1b2c3d4e5f6789&name=plantbuddy%2Dsoil%2Dcheck",
            ])
        #expect(server.requests.allSatisfy { $0.path == "/ping" || $0.headers["Authorization"] == "Token admin-token" })
        let state = fake.state.withLock { $0 }
        #expect(state.buckets == ["plants", "downsampled"])
        #expect(state.secrets == ["pb_secret": "hook-secret"])
        #expect(state.tasks.map(\.name) == ["plantbuddy-downsample", "plantbuddy-alerts", "plantbuddy-notify"])
        let notify = try #require(state.tasks.last?.flux)
        // The settings are defined after the imports (Flux allows imports only at the top).
        #expect(
            notify.contains(
                "import \"influxdata/influxdb/secrets\"\n" + #"notify_url = "https://plants.example/notify""#))
        #expect(!notify.contains("hook-secret"))
        #expect(state.tasks[0].flux.hasPrefix("raw_bucket = \"plants\"\ndownsampled_bucket = \"downsampled\"\n"))
        #expect(
            state.tasks[1].flux.contains(
                "import \"join\"\nraw_bucket = \"plants\"\nlookback = 604800s\n"
                    + "threshold_check_id = \"0000000000050a21\"\nsilence_check_id = \"0000000000050a22\"\n"))
        #expect(
            notify.contains(#"status_lookback = 1h"#) && notify.contains(#"threshold_check_id = "0000000000050a21""#))

        let requestsBefore = server.requests.count
        let second = run(fake, url: server.url)
        #expect(second.0 == 0)
        #expect(second.1.contains("task plantbuddy-notify is up to date") && second.1.contains("bucket plants exists"))
        #expect(fake.state.withLock { $0.tasks.count == 3 && $0.buckets.count == 2 })
        let writes = server.requests.dropFirst(requestsBefore).filter { $0.method == .post || $0.method == .patch }
        #expect(writes.map(\.path) == ["/api/v2/orgs/0a1b2c3d4e5f6789/secrets"])  // the secret upsert, same value

        // A changed setting updates the task in place, never a second copy.
        var output: [String] = []
        _ = Command.run(
            ["setup"],
            environment: [
                "INFLUX_URL": server.url, "INFLUX_TOKEN": "admin-token", "INFLUX_ORG": "greenhouse",
                "INFLUX_BUCKET": "plants",
                "PLANTBUDDY_PUBLIC_URL": "https://plants.example", "PLANTBUDDY_NOTIFY_SECRET": "hook-secret",
                "PLANTBUDDY_MAX_SILENCE": "14d",
            ], output: { output.append($0) }, errors: { _ in })
        #expect(output.contains("updated task plantbuddy-alerts"))
        #expect(fake.state.withLock { $0.tasks.count == 3 && $0.tasks[1].flux.contains("lookback = 1209600s") })
    }

    /// The soil check of earlier versions is deleted: its statuses would go unread.
    @Test func setupDeletesTheRetiredSoilCheck() throws {
        let fake = FakeInfluxDB2(token: "admin-token")
        fake.state.withLock {
            $0.tasks.append(("t-old", "plantbuddy-soil-check", "option task = {name: \"plantbuddy-soil-check\"}"))
        }
        let server = try ReplayServer(fake.respond)
        defer { server.stop() }
        let dry = run(fake, url: server.url, extra: ["--dry-run"])
        #expect(dry.1.contains("would delete the retired task plantbuddy-soil-check"))
        #expect(fake.state.withLock { $0.tasks.count } == 1)
        let real = run(fake, url: server.url)
        #expect(real.0 == 0 && real.1.contains("deleted the retired task plantbuddy-soil-check"))
        #expect(server.requests.contains { $0.method == .delete && $0.path == "/api/v2/tasks/t-old" })
        #expect(
            fake.state.withLock { $0.tasks.map(\.name) } == [
                "plantbuddy-downsample", "plantbuddy-alerts", "plantbuddy-notify",
            ])
    }

    @Test func errorsNameWhatToFix() throws {
        let fake = FakeInfluxDB2(token: "admin-token")
        let server = try ReplayServer(fake.respond)
        defer { server.stop() }
        let wrongToken = run(fake, url: server.url, token: "nope")
        #expect(wrongToken.0 == 1 && wrongToken.2.hasPrefix("error: INFLUX_TOKEN: InfluxDB refused it"))

        var errors: [String] = []
        _ = Command.run(
            ["setup"],
            environment: [
                "INFLUX_URL": server.url, "INFLUX_TOKEN": "admin-token", "INFLUX_ORG": "elsewhere",
                "PLANTBUDDY_PUBLIC_URL": "https://plants.example", "PLANTBUDDY_NOTIFY_SECRET": "s",
            ], output: { _ in }, errors: { errors.append($0) })
        #expect(errors == [#"error: INFLUX_ORG: organisation "elsewhere" not found"#])
    }
}

/// `plantbuddy setup` on the real InfluxDB 1.x: retention policies, the continuous query, the
/// history filled in once; a second run changes nothing.
@Suite struct SetupInfluxDB1Tests {
    @Test func setupMakesThePoliciesAndTheContinuousQueryAndFillsTheHistoryOnce() throws {
        let influxd = try InfluxDServer.shared()
        let database = try influxd.createDatabase("setup1")
        // Readings from before setup, two days ago: 30 minutes of one a minute.
        let start = (Int64(Date().timeIntervalSince1970) / 600 - 288) * 600
        let lines = (0..<30).map {
            "soil_moisture,device_id=01,user=rick reading=\(40 + $0)i \((start + Int64($0) * 60) * 1_000_000_000)"
        }
        try influxd.write(lines.joined(separator: "\n"), database: database)
        func setup(_ extra: [String] = []) -> (Int32, [String]) {
            var output: [String] = []
            let status = Command.run(
                ["setup"] + extra,
                environment: [
                    "INFLUX_URL": influxd.url, "INFLUX_API": "v1", "INFLUX_BUCKET": database,
                    "INFLUX_RAW_RETENTION": "30d", "INFLUX_DOWNSAMPLED_RETENTION": "365d",
                ], output: { output.append($0) }, errors: { output.append($0) })
            return (status, output)
        }
        let dry = setup(["--dry-run"])
        #expect(dry.0 == 0 && dry.1.contains("would create retention policy downsampled (31536000s)"))
        #expect(try influxd.rows("SHOW CONTINUOUS QUERIES", database: database).allSatisfy { $0.0 != database })

        let first = setup()
        #expect(first.0 == 0, "\(first.1)")
        #expect(first.1.contains("changed retention policy autogen to 2592000s (the raw readings)"))
        #expect(first.1.contains("created retention policy downsampled (31536000s)"))
        #expect(first.1.contains("created continuous query plantbuddy_downsample"))
        #expect(first.1.contains("filled in the history into downsampled"))
        let policies = try influxd.rows("SHOW RETENTION POLICIES ON \"\(database)\"", database: database)
        #expect(Set(policies.compactMap { $0.1["name"] as? String }) == ["autogen", "downsampled"])
        let means = try influxd.rows(
            #"SELECT "reading" FROM "downsampled"."soil_moisture" WHERE "user" = 'rick'"#, database: database)
        // Three 10-minute means of the 30 readings.
        #expect(means.map { ($0.1["reading"] as? NSNumber)?.doubleValue } == [44.5, 54.5, 64.5])

        let second = setup()
        #expect(
            second.0 == 0
                && !second.1.contains { $0.hasPrefix("created") || $0.hasPrefix("changed") || $0.hasPrefix("filled") })
        #expect(second.1.contains("continuous query plantbuddy_downsample is up to date"))
        #expect(
            try influxd.rows(#"SELECT count("reading") FROM "downsampled"."soil_moisture""#, database: database)
                .first.flatMap { ($0.1["count"] as? NSNumber)?.intValue } == 3, "the history is filled in once")
    }

    /// The 30-day chart from the downsampled means equals the one from the raw readings within
    /// rounding, the newest raw readings completing it where the means end.
    @Test func theDownsampledMonthEqualsTheRawOne() throws {
        let influxd = try InfluxDServer.shared()
        let database = try influxd.createDatabase("month")
        let now = Int64(Date().timeIntervalSince1970)
        let start = (now / 3600 - 72) * 3600  // three days ago, on the hour
        var lines = (0..<(3 * 60)).map { minute in
            "soil_moisture,device_id=01,user=rick reading=\(30 + minute % 37)i \((start + Int64(minute) * 60) * 1_000_000_000)"
        }
        try influxd.write(lines.joined(separator: "\n"), database: database)
        var output: [String] = []
        let status = Command.run(
            ["setup"], environment: ["INFLUX_URL": influxd.url, "INFLUX_API": "v1", "INFLUX_BUCKET": database],
            output: { output.append($0) }, errors: { output.append($0) })
        #expect(status == 0, "\(output)")
        // Newer than the history setup filled in: only raw readings hold these yet.
        lines = (1...5).map {
            "soil_moisture,device_id=01,user=rick reading=\(70 + $0)i \((now - Int64($0) * 60) * 1_000_000_000)"
        }
        try influxd.write(lines.joined(separator: "\n"), database: database)

        func source(downsampled: String) -> ReadingsSource {
            ReadingsSource(
                influx: InfluxDBClient(
                    configuration: InfluxConfiguration(url: influxd.url, bucket: database, api: .v1)),
                graphScript: "", latestScript: "", catalog: .standard, downsampledBucket: downsampled,
                logger: Logger(level: .error))
        }
        let fromMeans = try source(downsampled: "downsampled").series(for: "rick", range: .month)
        let fromRaw = try source(downsampled: "").series(for: "rick", range: .month)
        // Three hours of history, and the hour or two the newest readings fall in.
        let newestHours = Set((1...5).map { (now - Int64($0) * 60) / 3600 }).count
        #expect(fromRaw.count == 1 && fromRaw[0].times.count == 3 + newestHours)
        #expect(fromMeans.map(\.times) == fromRaw.map(\.times))
        for (means, raw) in zip(fromMeans, fromRaw) {
            #expect(zip(means.values, raw.values).allSatisfy { abs($0 - $1) < 1e-9 }, "\(means.values) \(raw.values)")
        }
    }
}
