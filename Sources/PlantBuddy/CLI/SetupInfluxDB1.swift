import CurlClient
import InfluxClient

/// `plantbuddy setup` on InfluxDB 1.x: the database, the raw readings' retention (its default
/// retention policy), a retention policy for the downsampled readings, a continuous query writing
/// 10-minute means per user, device and sensor into it, and — once, when that query is new — the
/// history that existed before it. A second run changes nothing; `--dry-run` only says what it would do.
/// (1.x has no task engine: the gateway evaluates alerts itself.)
struct SetupInfluxDB1 {
    static let continuousQuery = "plantbuddy_downsample"

    let configuration: Configuration
    let dryRun: Bool
    let say: (String) -> Void
    let client: InfluxDBClient

    private var database: String { configuration.influx.database }
    private var downsampled: String { configuration.downsampledBucket }

    func run() throws(Setup.Failure) {
        try execute("CREATE DATABASE \(InfluxQL.identifier(database))", saying: nil)  // does nothing if it exists
        let policies = try rows("SHOW RETENTION POLICIES ON \(InfluxQL.identifier(database))")
        guard let raw = policies.first(where: { $0["default"] == .bool(true) })?["name"]?.text else {
            throw Setup.Failure(description: "INFLUX_DB: database \(database) has no default retention policy")
        }
        try ensurePolicy(raw, duration: configuration.rawRetention, existing: policies, isRaw: true)
        try ensurePolicy(downsampled, duration: configuration.downsampledRetention, existing: policies, isRaw: false)
        try ensureContinuousQuery(rawPolicy: raw)
    }

    /// The statement the continuous query runs: 10-minute means of every measurement's readings, by
    /// every tag (user, device), looking back two periods so late readings count (as downsample.flux).
    func continuousQueryText(rawPolicy: String) -> String {
        "CREATE CONTINUOUS QUERY \(InfluxQL.identifier(Self.continuousQuery)) ON \(InfluxQL.identifier(database)) "
            + "RESAMPLE EVERY 10m FOR 20m BEGIN \(downsampleSelect(rawPolicy: rawPolicy, until: nil)) END"
    }

    private func downsampleSelect(rawPolicy: String, until: String?) -> String {
        let db = InfluxQL.identifier(database)
        return "SELECT mean(\"reading\") AS \"reading\" INTO \(db).\(InfluxQL.identifier(downsampled)).:MEASUREMENT "
            + "FROM \(db).\(InfluxQL.identifier(rawPolicy))./.*/ "
            + (until.map { "WHERE time < \($0) " } ?? "") + "GROUP BY time(10m), *"
    }

    private func ensurePolicy(
        _ name: String, duration: Duration, existing: [[String: JSONScalar]], isRaw: Bool
    ) throws(Setup.Failure) {
        let wanted = Self.influxDuration(duration)
        let on = "\(InfluxQL.identifier(name)) ON \(InfluxQL.identifier(database))"
        guard let policy = existing.first(where: { $0["name"]?.text == name }) else {
            try execute(
                "CREATE RETENTION POLICY \(on) DURATION \(wanted) REPLICATION 1",
                saying: "retention policy \(name) (\(wanted))")
            return
        }
        guard Self.seconds(policy["duration"]?.text ?? "") != duration.components.seconds else {
            say("retention policy \(name) is up to date")
            return
        }
        try execute(
            "ALTER RETENTION POLICY \(on) DURATION \(wanted)",
            saying: "retention policy \(name) to \(wanted)" + (isRaw ? " (the raw readings)" : ""), verb: .change)
    }

    private func ensureContinuousQuery(rawPolicy: String) throws(Setup.Failure) {
        let wanted = continuousQueryText(rawPolicy: rawPolicy)
        // One series per database: only this database's queries count.
        let existing = try rows("SHOW CONTINUOUS QUERIES", series: database).first {
            $0["name"]?.text == Self.continuousQuery
        }
        if let query = existing?["query"]?.text {
            guard Self.normalised(query) != Self.normalised(wanted) else {
                say("continuous query \(Self.continuousQuery) is up to date")
                return
            }
            try execute(
                "DROP CONTINUOUS QUERY \(InfluxQL.identifier(Self.continuousQuery)) ON \(InfluxQL.identifier(database))",
                saying: nil)
            try execute(wanted, saying: "continuous query \(Self.continuousQuery)", verb: .update)
            return
        }
        try execute(wanted, saying: "continuous query \(Self.continuousQuery)")
        // A new continuous query starts from now; the readings already there are downsampled once.
        try execute(
            downsampleSelect(rawPolicy: rawPolicy, until: "now()"), saying: "the history into \(downsampled)",
            verb: .fill)
    }

    // MARK: InfluxQL

    /// What a statement does, for the output: "would create …" with `--dry-run`, "created …" otherwise.
    private enum Verb: String {
        case create, change, update, fill = "fill in"

        var past: String {
            switch self {
            case .create: "created"
            case .change: "changed"
            case .update: "updated"
            case .fill: "filled in"
            }
        }
    }

    private func execute(_ statement: String, saying what: String?, verb: Verb = .create) throws(Setup.Failure) {
        if dryRun {
            if let what { say("would \(verb.rawValue) \(what)") }
            return
        }
        _ = try rows(statement)
        if let what { say("\(verb.past) \(what)") }
    }

    /// The rows of the statement's answer (of its series named `series` when given), as column → cell.
    private func rows(_ statement: String, series name: String? = nil) throws(Setup.Failure) -> [[String: JSONScalar]] {
        var rows: [[String: JSONScalar]] = []
        var columns: [String]?
        do {
            try client.influxQL(statement) { event in
                switch event {
                case .series(let series, _, let names): columns = name == nil || series == name ? names : nil
                case .row(let cells):
                    guard let columns else { return }
                    rows.append(Dictionary(zip(columns, cells), uniquingKeysWith: { first, _ in first }))
                }
            }
        } catch .queryFailed(let message) {
            throw Setup.Failure(description: "InfluxDB refused `\(statement)`: \(message)")
        } catch {
            throw Setup.Failure(description: "InfluxDB at \(configuration.influx.url) refused `\(statement)`: \(error)")
        }
        return rows
    }

    /// `30d` → `720h0m0s`-style durations compare by seconds.
    static func influxDuration(_ duration: Duration) -> String { "\(duration.components.seconds)s" }

    /// Seconds of InfluxDB's `720h0m0s`; `0s` (infinite) is 0.
    static func seconds(_ text: String) -> Int64 {
        var total: Int64 = 0
        var number: Int64 = 0
        for character in text {
            if let digit = character.wholeNumberValue {
                number = number * 10 + Int64(digit)
            } else {
                total += number * (["h": 3600, "m": 60, "s": 1][character] ?? 0)
                number = 0
            }
        }
        return total
    }

    /// InfluxDB shows a continuous query as it stores it: quotes and spacing differ from ours.
    static func normalised(_ query: String) -> String {
        query.lowercased().filter { !$0.isWhitespace && $0 != "\"" }
    }
}
