import Foundation
import InfluxClient
import Observability

/// Fetches a user's series, from Flux (v2 API), InfluxQL (v1 API) or SQL (v3), always filtered on the user.
struct ReadingsSource: Sendable {
    let influx: InfluxDBClient
    let graphScript: String
    /// `Flux/latest.flux`: each series' last reading as sent.
    let latestScript: String
    let catalog: SensorCatalog
    let downsampledBucket: String
    /// Said once (then counted) when the long ranges read raw readings for want of downsampled ones.
    let downsampledFallback: RepeatedFailure
    /// Said once (then counted) when 3.x has no last-value caches and the latest readings are queried.
    let lastValueCacheFallback: RepeatedFailure
    /// Each query's text and time, at debug level: what InfluxDB's share of a page was.
    let logger: Logger
    /// The InfluxDB 3 path.
    let sql: SQLReadings

    init(
        influx: InfluxDBClient, graphScript: String, latestScript: String, catalog: SensorCatalog,
        downsampledBucket: String, logger: Logger
    ) {
        self.influx = influx
        self.graphScript = graphScript
        self.latestScript = latestScript
        self.catalog = catalog
        self.downsampledBucket = downsampledBucket
        self.logger = logger
        sql = SQLReadings(influx: influx, catalog: catalog)
        downsampledFallback = RepeatedFailure(
            logger: logger, level: .info, message: "no downsampled readings: the 7d and 30d graphs read the raw bucket",
            interval: .seconds(3600))
        lastValueCacheFallback = RepeatedFailure(
            logger: logger, level: .info,
            message: "no last-value caches on InfluxDB 3 (run plantbuddy setup): the latest readings are queried",
            interval: .seconds(3600))
    }

    /// The chart's series: per window, the mean of the raw readings for short ranges; for 7d and 30d
    /// the downsampled means (bucket or retention policy `downsampledBucket`), completed by the newest
    /// raw readings where they end, or the raw readings while there are none (said once in the log).
    func series(for user: String, range: GraphRange) throws(InfluxError) -> [ReadingSeries] {
        let api = try influx.api()
        func query(downsampled: Bool, since: Double? = nil) throws(InfluxError) -> [ReadingSeries] {
            switch api {
            case .v2, .auto:
                return try fluxSeries(fluxScript(for: user, range: range, raw: !downsampled, since: since))
            case .v1:
                return try influxQLSeries(
                    influxQL(for: user, range: range, policy: downsampled ? downsampledBucket : nil, since: since))
            case .v3:
                let database = downsampled ? downsampledBucket : influx.configuration.database
                return try timed("SQL \(range.rawValue) on \(database)") { () throws(InfluxError) in
                    try sql.series(for: user, range: range, database: database, since: since)
                }
            }
        }
        guard range.prefersDownsampled && !downsampledBucket.isEmpty else { return try query(downsampled: false) }
        let downsampled: [ReadingSeries]
        do {
            downsampled = try query(downsampled: true)
        } catch {
            guard Self.isMissing(error) else { throw error }
            downsampledFallback.record(["bucket": downsampledBucket, "error": error.description])
            return try query(downsampled: false)
        }
        guard let end = downsampled.compactMap(\.times.last).max() else {
            downsampledFallback.record(["bucket": downsampledBucket, "user": user])
            return try query(downsampled: false)
        }
        // The last window may hold fewer readings than happened (downsampling lags): it is read raw too.
        return Self.merge(downsampled, completedBy: try query(downsampled: false, since: end - range.windowSeconds))
    }

    /// A downsampled bucket (2.x: 404) or retention policy (1.x) that does not exist (yet).
    static func isMissing(_ error: InfluxError) -> Bool {
        switch error {
        case .server(let status, let message, _): status == 404 || message.contains("retention policy not found")
        case .queryFailed(let message): message.contains("retention policy not found")
        case .unreachable, .invalidResponse, .partiallyWritten: false
        }
    }

    /// Each series with its counterpart in `newest` in place of its points from `newest`'s first
    /// time on (and series only `newest` has added): the newest raw readings complete the chart.
    static func merge(_ series: [ReadingSeries], completedBy newest: [ReadingSeries]) -> [ReadingSeries] {
        var merged = series
        for recent in newest {
            guard
                let index = merged.firstIndex(where: {
                    $0.measurement == recent.measurement && $0.deviceID == recent.deviceID
                })
            else {
                merged.append(recent)
                continue
            }
            guard let first = recent.times.first else { continue }
            let kept = merged[index].times.firstIndex { $0 >= first } ?? merged[index].times.count
            merged[index].times = Array(merged[index].times[..<kept]) + recent.times
            merged[index].values = Array(merged[index].values[..<kept]) + recent.values
        }
        return merged.sorted { ($0.measurement, $0.deviceID) < ($1.measurement, $1.deviceID) }
    }

    /// The last reading of each of the user's series within the range, as sent, with its own time:
    /// one point per series (never a window's mean), always from the raw readings; from `since`
    /// (seconds) when given: the chart's last windows bound where the last readings can be, so
    /// InfluxDB reads those windows rather than the whole range.
    func latest(for user: String, range: GraphRange, since: Double? = nil) throws(InfluxError) -> [ReadingSeries] {
        switch try influx.api() {
        case .v2, .auto: return try fluxSeries(fluxLatestScript(for: user, range: range, since: since))
        case .v1: return try influxQLSeries(influxQLLatest(for: user, range: range, since: since))
        case .v3:
            let database = influx.configuration.database
            do {
                let cached = try timed("SQL last-value caches on \(database)") { () throws(InfluxError) in
                    try sql.cachedLatest(for: user, database: database)
                }
                // The caches keep a device's last reading however old; the page shows its range only.
                let start = Date().timeIntervalSince1970 - range.seconds
                return cached.filter { ($0.times.last ?? 0) >= start }
            } catch {
                // 3.x refuses the query while a cache is missing; any other failure is the page's error.
                guard case .server = error else { throw error }
                lastValueCacheFallback.record(["database": database, "error": error.description])
            }
            return try timed("SQL latest on \(database)") { () throws(InfluxError) in
                try sql.latest(for: user, range: range, database: database, since: since)
            }
        }
    }

    func fluxLatestScript(for user: String, range: GraphRange, since: Double? = nil) -> String {
        Flux.program(
            latestScript,
            defining: [
                ("bucket", Flux.stringLiteral(influx.configuration.bucket)), ("user", Flux.stringLiteral(user)),
                ("start", Self.fluxStart(range, since: since)),
            ])
    }

    /// `SELECT last` per device; names escaped as identifiers, the user as a literal.
    func influxQLLatest(for user: String, range: GraphRange, since: Double? = nil) -> String {
        "SELECT last(\"reading\") FROM \(measurementList) WHERE \"user\" = \(InfluxQL.stringLiteral(user)) "
            + "AND \(Self.influxQLLower(range, since: since)) GROUP BY \"device_id\""
    }

    /// Flux's `start`: the range back from now, or the time `since` (seconds, to the second below).
    private static func fluxStart(_ range: GraphRange, since: Double?) -> String {
        since.map { Timestamp(seconds: Int64($0.rounded(.down))).description } ?? "-" + range.rawValue
    }

    /// InfluxQL's lower time bound: the range back from now, or `since` (seconds) to the millisecond.
    private static func influxQLLower(_ range: GraphRange, since: Double?) -> String {
        since.map { "time >= \(Int64(($0 * 1000).rounded(.down)))ms" } ?? "time >= now() - \(range.rawValue)"
    }

    private var measurementList: String {
        catalog.measurements.values.sorted().map(InfluxQL.identifier).joined(separator: ",")
    }

    /// The script with its parameters defined after its imports, as literals escaped here; the long
    /// ranges read the downsampled bucket unless `raw`, from `since` (seconds) when given.
    func fluxScript(for user: String, range: GraphRange, raw: Bool = false, since: Double? = nil) -> String {
        let bucket =
            range.prefersDownsampled && !downsampledBucket.isEmpty && !raw
            ? downsampledBucket : influx.configuration.bucket
        return Flux.program(
            graphScript,
            defining: [
                ("bucket", Flux.stringLiteral(bucket)), ("user", Flux.stringLiteral(user)),
                ("start", Self.fluxStart(range, since: since)),
                ("every", range.window),
            ])
    }

    /// `SELECT mean` per device and window; names escaped as identifiers, the user as a literal; from
    /// the retention policy `policy` when given (the downsampled means), from `since` (seconds) when given.
    func influxQL(for user: String, range: GraphRange, policy: String? = nil, since: Double? = nil) -> String {
        let from = catalog.measurements.values.sorted().map { measurement in
            (policy.map { InfluxQL.identifier($0) + "." } ?? "") + InfluxQL.identifier(measurement)
        }.joined(separator: ",")
        return "SELECT mean(\"reading\") FROM \(from) WHERE \"user\" = \(InfluxQL.stringLiteral(user)) "
            + "AND \(Self.influxQLLower(range, since: since)) GROUP BY time(\(range.window)), \"device_id\" fill(none)"
    }

    private func fluxSeries(_ script: String) throws(InfluxError) -> [ReadingSeries] {
        var collector = SeriesCollector()
        try timed(script) { () throws(InfluxError) in try influx.flux(script) { collector.add($0) } }
        return collector.series
    }

    private func influxQLSeries(_ query: String) throws(InfluxError) -> [ReadingSeries] {
        var collector = InfluxQLSeriesCollector()
        try timed(query) { () throws(InfluxError) in try influx.influxQL(query, epoch: "ms") { collector.add($0) } }
        return collector.series
    }

    /// Runs the query, logging its text and how long it took, answer read, at debug level.
    private func timed<Result>(_ query: String, _ run: () throws(InfluxError) -> Result) throws(InfluxError) -> Result {
        let started = MonotonicClock.nanoseconds()
        let result = try run()
        let nanoseconds = MonotonicClock.nanoseconds() - started
        logger.debug("influx query", ["duration_ms": RequestObserver.milliseconds(nanoseconds), "query": query])
        return result
    }
}
