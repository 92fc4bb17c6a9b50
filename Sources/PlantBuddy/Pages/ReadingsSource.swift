import Foundation
import InfluxClient
import Observability

/// Fetches a user's series, from Flux (v2 API) or InfluxQL (v1 API), always filtered on the user.
struct ReadingsSource: Sendable {
    let influx: InfluxDBClient
    let graphScript: String
    /// `Flux/latest.flux`: each series' last reading as sent.
    let latestScript: String
    let catalog: SensorCatalog
    let downsampledBucket: String
    /// Said once (then counted) when the long ranges read raw readings for want of downsampled ones.
    let downsampledFallback: RepeatedFailure

    func series(for user: String, range: GraphRange) throws(InfluxError) -> [ReadingSeries] {
        switch try influx.api() {
        case .v2, .auto: return try fluxSeries(for: user, range: range)
        case .v1: return try influxQLSeries(influxQL(for: user, range: range))
        }
    }

    /// The last reading of each of the user's series within the range, as sent, with its own time:
    /// one point per series (never a window's mean), always from the raw readings.
    func latest(for user: String, range: GraphRange) throws(InfluxError) -> [ReadingSeries] {
        switch try influx.api() {
        case .v2, .auto:
            var collector = SeriesCollector()
            try influx.flux(fluxLatestScript(for: user, range: range)) { collector.add($0) }
            return collector.series
        case .v1: return try influxQLSeries(influxQLLatest(for: user, range: range))
        }
    }

    func fluxLatestScript(for user: String, range: GraphRange) -> String {
        Flux.program(
            latestScript,
            defining: [
                ("bucket", Flux.stringLiteral(influx.configuration.bucket)), ("user", Flux.stringLiteral(user)),
                ("start", "-" + range.rawValue),
            ])
    }

    /// `SELECT last` per device; names escaped as identifiers, the user as a literal.
    func influxQLLatest(for user: String, range: GraphRange) -> String {
        "SELECT last(\"reading\") FROM \(measurementList) WHERE \"user\" = \(InfluxQL.stringLiteral(user)) "
            + "AND time >= now() - \(range.rawValue) GROUP BY \"device_id\""
    }

    private var measurementList: String {
        catalog.measurements.values.sorted().map(InfluxQL.identifier).joined(separator: ",")
    }

    /// The script with its parameters defined after its imports, as literals escaped here; the long
    /// ranges read the downsampled bucket unless `raw`.
    func fluxScript(for user: String, range: GraphRange, raw: Bool = false) -> String {
        let bucket =
            range.prefersDownsampled && !downsampledBucket.isEmpty && !raw
            ? downsampledBucket : influx.configuration.bucket
        return Flux.program(
            graphScript,
            defining: [
                ("bucket", Flux.stringLiteral(bucket)), ("user", Flux.stringLiteral(user)),
                ("start", "-" + range.rawValue), ("every", range.window),
            ])
    }

    /// A long range whose downsampled bucket is missing (InfluxDB answers 404) or has nothing for the
    /// user yet is read from the raw bucket instead, said once in the log.
    private func fluxSeries(for user: String, range: GraphRange) throws(InfluxError) -> [ReadingSeries] {
        func query(raw: Bool) throws(InfluxError) -> [ReadingSeries] {
            var collector = SeriesCollector()
            try influx.flux(fluxScript(for: user, range: range, raw: raw)) { collector.add($0) }
            return collector.series
        }
        guard range.prefersDownsampled && !downsampledBucket.isEmpty else { return try query(raw: false) }
        do {
            let downsampled = try query(raw: false)
            if !downsampled.isEmpty { return downsampled }
        } catch .server(status: 404, let message, _) {
            downsampledFallback.record(["bucket": downsampledBucket, "error": message])
            return try query(raw: true)
        }
        downsampledFallback.record(["bucket": downsampledBucket, "user": user])
        return try query(raw: true)
    }

    /// `SELECT mean` per device and window; names escaped as identifiers, the user as a literal.
    func influxQL(for user: String, range: GraphRange) -> String {
        "SELECT mean(\"reading\") FROM \(measurementList) WHERE \"user\" = \(InfluxQL.stringLiteral(user)) "
            + "AND time >= now() - \(range.rawValue) GROUP BY time(\(range.window)), \"device_id\" fill(none)"
    }

    private func influxQLSeries(_ query: String) throws(InfluxError) -> [ReadingSeries] {
        let body = try influx.influxQL(query, epoch: "ms")
        guard let json = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let results = json["results"] as? [[String: Any]]
        else { throw .invalidResponse("InfluxQL answer is not the expected JSON") }
        var series: [ReadingSeries] = []
        for result in results {
            if let error = result["error"] as? String { throw .queryFailed(error) }
            for table in result["series"] as? [[String: Any]] ?? [] {
                let tags = table["tags"] as? [String: String] ?? [:]
                var reading = ReadingSeries(
                    measurement: table["name"] as? String ?? "", deviceID: tags["device_id"] ?? "", times: [],
                    values: [])
                for row in table["values"] as? [[Any]] ?? [] {
                    guard row.count >= 2, let time = (row[0] as? NSNumber)?.doubleValue,
                        let value = (row[1] as? NSNumber)?.doubleValue
                    else { continue }
                    reading.times.append(time / 1000)
                    reading.values.append(value)
                }
                series.append(reading)
            }
        }
        return series.sorted { ($0.measurement, $0.deviceID) < ($1.measurement, $1.deviceID) }
    }
}
