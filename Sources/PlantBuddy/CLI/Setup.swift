import Foundation
import InfluxClient

/// `plantbuddy setup`: provisions InfluxDB 2.x / Cloud through its HTTP API so nobody has to click
/// through a UI (1.x: `SetupInfluxDB1`; 3.x: `SetupInfluxDB3`): the org is looked up, the raw and downsampled buckets created if missing, the
/// notification secret stored, the three tasks in `Flux/` (downsampling, the alert check, the
/// notification rule) created or updated by name, and tasks of earlier versions deleted. Running it
/// again changes nothing; `--dry-run` only says what it would do.
struct Setup {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let configuration: Configuration
    let dryRun: Bool
    let say: (String) -> Void
    private let http: SetupHTTP

    init(configuration: Configuration, dryRun: Bool, say: @escaping (String) -> Void) {
        self.configuration = configuration
        self.dryRun = dryRun
        self.say = say
        http = SetupHTTP(influx: configuration.influx)
    }

    var influx: InfluxConfiguration { configuration.influx }
    /// The gateway's default and setup's are one: `INFLUX_DOWNSAMPLED_BUCKET`.
    var downsampledBucket: String { configuration.downsampledBucket }

    func run() throws {
        guard !downsampledBucket.isEmpty else {
            throw Failure(
                description: "INFLUX_DOWNSAMPLED_BUCKET: setup downsamples the readings there; set a name")
        }
        let client = InfluxDBClient(configuration: configuration.influx)
        let api: InfluxAPI
        do {
            api = try client.api()
        } catch {
            throw Failure(description: "INFLUX_URL: InfluxDB at \(influx.url) does not answer /ping: \(error)")
        }
        switch api {
        case .v1:
            return try SetupInfluxDB1(configuration: configuration, dryRun: dryRun, say: say, client: client).run()
        case .v3:
            return try SetupInfluxDB3(
                configuration: configuration, dryRun: dryRun, say: say, client: client, http: http
            ).run()
        case .v2, .auto: break
        }
        guard !configuration.notifySecret.isEmpty else {
            throw Failure(
                description: "PLANTBUDDY_NOTIFY_SECRET: setup stores it in InfluxDB for the notification rule; set it")
        }
        guard !configuration.publicURL.isEmpty else {
            throw Failure(
                description: "PLANTBUDDY_PUBLIC_URL: the notification rule must know where /notify is; set it")
        }
        let orgID = try findOrg()
        try ensureBucket(influx.bucket, orgID: orgID, retentionSeconds: configuration.rawRetention.components.seconds)
        try ensureBucket(
            downsampledBucket, orgID: orgID, retentionSeconds: configuration.downsampledRetention.components.seconds)
        if dryRun {
            say("would store the secret pb_secret")
        } else {
            _ = try call(
                "PATCH", "/api/v2/orgs/\(orgID)/secrets", json: ["pb_secret": configuration.notifySecret], expect: [204]
            )
            say("stored the secret pb_secret")
        }
        for program in try taskPrograms() { try ensureTask(flux: program, orgID: orgID) }
        for name in Self.retiredTasks { try retireTask(name, orgID: orgID) }
    }

    /// The ids of Plant Buddy's two checks in `_monitoring`: the notification rule reads only these.
    static let thresholdCheckID = "0000000000050a21"
    static let silenceCheckID = "0000000000050a22"
    /// Tasks earlier versions installed, deleted when found.
    static let retiredTasks = ["plantbuddy-soil-check"]

    /// Each task exactly as setup sends it: the script from `Flux/` with its settings defined after
    /// its imports, as Flux literals.
    func taskPrograms() throws -> [String] {
        let notifyURL =
            Configuration.url(configuration.publicURL, path: "/notify")
        let checkIDs: [(name: String, value: String)] = [
            ("threshold_check_id", Flux.stringLiteral(Self.thresholdCheckID)),
            ("silence_check_id", Flux.stringLiteral(Self.silenceCheckID)),
        ]
        let tasks: [(file: String, definitions: [(name: String, value: String)])] = [
            (
                "downsample.flux",
                [
                    ("raw_bucket", Flux.stringLiteral(influx.bucket)),
                    ("downsampled_bucket", Flux.stringLiteral(downsampledBucket)),
                ]
            ),
            (
                "alerts.flux",
                [
                    ("raw_bucket", Flux.stringLiteral(influx.bucket)),
                    ("lookback", "\(configuration.alertLimits.maxSilenceSeconds)s"),
                ] + checkIDs
            ),
            (
                "notification_rule.flux",
                [("notify_url", Flux.stringLiteral(notifyURL))] + checkIDs + [("status_lookback", "1h")]
            ),
        ]
        return try tasks.map { task in
            let path = configuration.fluxDirectory + "/" + task.file
            guard let script = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw Failure(description: "PLANTBUDDY_FLUX_DIR: cannot read \(path)")
            }
            return Flux.program(script, defining: task.definitions)
        }
    }

    private func findOrg() throws -> String {
        let answer = try call("GET", "/api/v2/orgs?org=\(percent(influx.org))", expect: [200, 404])
        guard answer.status == 200, let orgs = answer.json?["orgs"] as? [[String: Any]],
            let id = orgs.first(where: { $0["name"] as? String == influx.org })?["id"] as? String
        else { throw Failure(description: "INFLUX_ORG: organisation \"\(influx.org)\" not found") }
        return id
    }

    private func ensureBucket(_ name: String, orgID: String, retentionSeconds: Int64) throws {
        let answer = try call("GET", "/api/v2/buckets?orgID=\(orgID)&name=\(percent(name))", expect: [200, 404])
        if answer.status == 200,
            (answer.json?["buckets"] as? [[String: Any]])?.contains(where: { $0["name"] as? String == name }) == true
        {
            say("bucket \(name) exists")
            return
        }
        if dryRun {
            say("would create bucket \(name)")
            return
        }
        _ = try call(
            "POST", "/api/v2/buckets",
            json: [
                "orgID": orgID, "name": name, "description": "Plant Buddy",
                "retentionRules": [["type": "expire", "everySeconds": retentionSeconds]],
            ], expect: [201])
        say("created bucket \(name)")
    }

    private func ensureTask(flux: String, orgID: String) throws {
        guard let name = Self.taskName(flux) else { throw Failure(description: "a Flux task has no option task name") }
        let answer = try call("GET", "/api/v2/tasks?orgID=\(orgID)&name=\(percent(name))", expect: [200])
        let matches = (answer.json?["tasks"] as? [[String: Any]] ?? []).filter { $0["name"] as? String == name }
        if let existing = matches.first, let id = existing["id"] as? String {
            if existing["flux"] as? String == flux {
                say("task \(name) is up to date")
            } else if dryRun {
                say("would update task \(name)")
            } else {
                _ = try call("PATCH", "/api/v2/tasks/\(id)", json: ["flux": flux, "status": "active"], expect: [200])
                say("updated task \(name)")
            }
            if matches.count > 1 { say("warning: \(matches.count) tasks are named \(name); delete the extra ones") }
            return
        }
        if dryRun {
            say("would create task \(name)")
            return
        }
        _ = try call("POST", "/api/v2/tasks", json: ["orgID": orgID, "status": "active", "flux": flux], expect: [201])
        say("created task \(name)")
    }

    /// Deletes a task an earlier version installed (its statuses would go unread).
    private func retireTask(_ name: String, orgID: String) throws {
        let answer = try call("GET", "/api/v2/tasks?orgID=\(orgID)&name=\(percent(name))", expect: [200])
        let ids = (answer.json?["tasks"] as? [[String: Any]] ?? []).filter { $0["name"] as? String == name }
            .compactMap { $0["id"] as? String }
        for id in ids {
            if dryRun {
                say("would delete the retired task \(name)")
            } else {
                _ = try call("DELETE", "/api/v2/tasks/\(id)", expect: [204])
                say("deleted the retired task \(name)")
            }
        }
    }

    /// `option task = {name: "…", …}` — the name InfluxDB gives the task.
    static func taskName(_ flux: String) -> String? {
        guard let option = flux.range(of: "option task = {name: \"") else { return nil }
        let rest = flux[option.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    // MARK: HTTP

    private func call(_ method: String, _ path: String, json: [String: Any]? = nil, expect: Set<Int>) throws
        -> (status: Int, json: [String: Any]?)
    {
        let answer = try http.call(method, path, json: json, expect: expect)
        return (answer.status, answer.json as? [String: Any])
    }

    private func percent(_ text: String) -> String { SetupHTTP.percent(text) }
}
