import InfluxClient

/// The last-value cache per sensor table, which the latest-readings table reads on 3.x: one reading
/// (with its time) per user and device, kept in memory by InfluxDB. A cache needs its table, so a
/// sensor that never sent is said and left for the next run.
extension SetupInfluxDB3 {
    func ensureLastValueCaches() throws(Setup.Failure) {
        let cached = existingLastValueCaches()
        let tables: [String]
        do {
            tables = try SQLReadings(influx: client, catalog: configuration.sensors).existingTables(in: raw)
        } catch {
            throw Setup.Failure(description: "InfluxDB at \(configuration.influx.url) cannot list its tables: \(error)")
        }
        for table in configuration.sensors.measurements.values.sorted() {
            if cached.contains(table) {
                say("last-value cache \(SQLReadings.lastValueCache) on \(table) exists")
            } else if !tables.contains(table) {
                say("no last-value cache on \(table) yet (no readings); run setup again once devices have sent")
            } else if dryRun {
                say("would create last-value cache \(SQLReadings.lastValueCache) on \(table)")
            } else {
                let answer = try http.call(
                    "POST", "/api/v3/configure/last_cache",
                    json: [
                        "db": configuration.influx.database, "table": table, "name": SQLReadings.lastValueCache,
                        "key_columns": ["user", "device_id"], "value_columns": ["reading"], "count": 1,
                        "ttl": configuration.rawRetention.components.seconds,
                    ], expect: [200, 201, 204, 409])
                say(
                    answer.status == 409
                        ? "last-value cache \(SQLReadings.lastValueCache) on \(table) exists"
                        : "created last-value cache \(SQLReadings.lastValueCache) on \(table)")
            }
        }
    }

    /// The tables that hold Plant Buddy's cache, from `system.last_caches`; none when it cannot be
    /// listed (creating a cache that exists is answered 409, which says so just as well).
    private func existingLastValueCaches() -> Set<String> {
        var tables: Set<String> = []
        try? client.sql("SELECT \"table\", name FROM system.last_caches", database: raw, columns: ["table", "name"]) {
            row in
            if row[1].text == SQLReadings.lastValueCache, let table = row[0].text { tables.insert(table) }
        }
        return tables
    }
}
