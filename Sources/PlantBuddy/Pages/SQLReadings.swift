import InfluxClient
import Synchronization

/// A user's series from InfluxDB 3 in SQL. The user and the time bound travel as query parameters,
/// never as SQL text; the only names in the text are the sensor catalog's measurements, which are
/// letters, digits and `_` by construction, one table each in 3.x.
struct SQLReadings: Sendable {
    /// The last-value cache setup makes on each sensor table (keys `user`, `device_id`; `reading`).
    static let lastValueCache = "plantbuddy_latest"

    let influx: InfluxDBClient
    let catalog: SensorCatalog
    private let knownTables = KnownTables()

    init(influx: InfluxDBClient, catalog: SensorCatalog) {
        self.influx = influx
        self.catalog = catalog
    }

    /// Per measurement and device, the mean of each window (`date_bin`, stamped with its start),
    /// in `database`, from `since` (seconds) or the whole range; no database or table yet: none.
    func series(
        for user: String, range: GraphRange, database: String, since: Double? = nil
    ) throws(InfluxError) -> [ReadingSeries] {
        let window = "INTERVAL '\(Int(range.windowSeconds)) seconds'"
        return try union(database: database, user: user, since: since, orderedBy: "bucket_start") { table in
            "SELECT '\(table)' AS measurement, device_id, date_bin(\(window), time) AS bucket_start, "
                + "avg(reading) AS reading FROM \"\(table)\" WHERE \"user\" = $user AND \(lowerBound(range, since)) "
                + "GROUP BY device_id, bucket_start"
        }
    }

    /// Each series' last reading as sent, with its own time, from the last-value caches setup made
    /// (InfluxDB keeps them in memory): no table is scanned. Throws when there are none (then `latest`).
    func cachedLatest(for user: String, database: String) throws(InfluxError) -> [ReadingSeries] {
        try union(database: database, user: user, since: nil, orderedBy: nil) { table in
            "SELECT '\(table)' AS measurement, device_id, time AS bucket_start, reading "
                + "FROM last_cache('\(table)', '\(Self.lastValueCache)') WHERE \"user\" = $user"
        }
    }

    /// Each series' last reading as sent, with its own time, within the range or from `since`.
    func latest(for user: String, range: GraphRange, database: String, since: Double? = nil) throws(InfluxError)
        -> [ReadingSeries]
    {
        try union(database: database, user: user, since: since, orderedBy: nil) { table in
            "SELECT measurement, device_id, bucket_start, reading FROM (SELECT '\(table)' AS measurement, device_id, "
                + "time AS bucket_start, reading, row_number() OVER (PARTITION BY device_id ORDER BY time DESC) AS n "
                + "FROM \"\(table)\" WHERE \"user\" = $user AND \(lowerBound(range, since))) WHERE n = 1"
        }
    }

    /// One query over every sensor table that exists: `select` of each, `UNION ALL`, ordered by
    /// measurement and device (then `orderedBy`), its rows collected into series.
    private func union(
        database: String, user: String, since: Double?, orderedBy: String?, _ select: (String) -> String
    ) throws(InfluxError) -> [ReadingSeries] {
        let tables = try existingTables(in: database)
        guard !tables.isEmpty else { return [] }
        let order = ["measurement", "device_id"] + (orderedBy.map { [$0] } ?? [])
        let query = tables.map(select).joined(separator: " UNION ALL ") + " ORDER BY " + order.joined(separator: ", ")
        var parameters: [String: JSONParameter] = ["user": .string(user)]
        if let since { parameters["since"] = .integer(Int64((since * 1000).rounded(.down))) }
        var collector = SQLSeriesCollector()
        do {
            try influx.sql(query, database: database, parameters: parameters, columns: SQLSeriesCollector.columns) {
                collector.add($0)
            }
        } catch {
            knownTables.byDatabase.withLock { $0[database] = nil }  // a table may be gone: ask again
            throw error
        }
        return collector.series
    }

    /// The catalog's measurements that have a table in `database`, sorted; none when it does not exist.
    /// Asked of `information_schema` until every one of them has a table, then remembered.
    func existingTables(in database: String) throws(InfluxError) -> [String] {
        let wanted = Set(catalog.measurements.values)
        if let known = knownTables.byDatabase.withLock({ $0[database] }), known == wanted { return known.sorted() }
        var names: Set<String> = []
        do {
            try influx.sql(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'iox'", database: database,
                columns: ["table_name"]
            ) { row in
                if let name = row[0].text { names.insert(name) }
            }
        } catch {
            if Self.isMissingDatabase(error) { return [] }
            throw error
        }
        let found = wanted.intersection(names)
        if found == wanted { knownTables.byDatabase.withLock { $0[database] = found } }
        return found.sorted()
    }

    /// 3.x's answer for a database that does not exist (yet): 404 `database not found`.
    static func isMissingDatabase(_ error: InfluxError) -> Bool {
        if case .server(404, _, _) = error { true } else { false }
    }

    private func lowerBound(_ range: GraphRange, _ since: Double?) -> String {
        since == nil
            ? "time >= now() - INTERVAL '\(Int(range.seconds)) seconds'" : "time >= to_timestamp_millis($since)"
    }
}

/// The sensor tables seen in each database. Plant Buddy never drops one, so once all exist no page
/// asks `information_schema` again; a failed query forgets them.
private final class KnownTables: Sendable {
    let byDatabase = Mutex<[String: Set<String>]>([:])
}
