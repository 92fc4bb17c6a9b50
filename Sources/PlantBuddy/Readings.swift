import Foundation
import InfluxClient

/// The ranges the page offers, each with the window its means are taken over.
public enum GraphRange: String, CaseIterable, Sendable {
    case sixHours = "6h"
    case twoDays = "48h"
    case week = "7d"
    case month = "30d"

    public static let standard = GraphRange.twoDays

    var seconds: Double {
        switch self {
        case .sixHours: 6 * 3600
        case .twoDays: 48 * 3600
        case .week: 7 * 86_400
        case .month: 30 * 86_400
        }
    }

    /// About one window per pixel column of a 900-pixel chart, as a Flux and InfluxQL duration.
    var window: String {
        switch self {
        case .sixHours: "1m"
        case .twoDays: "5m"
        case .week: "15m"
        case .month: "1h"
        }
    }

    /// Long ranges read the downsampled bucket when there is one.
    var prefersDownsampled: Bool { self == .week || self == .month }
}

/// One device's readings of one sensor, oldest first: what the chart draws, whichever database answered.
public struct ReadingSeries: Equatable, Sendable {
    public var measurement: String
    public var deviceID: String
    public var times: [Double]
    public var values: [Double]
}

/// Fetches a user's series, from Flux (v2 API) or InfluxQL (v1 API), always filtered on the user.
struct ReadingsSource: Sendable {
    let influx: InfluxDBClient
    let graphScript: String
    let catalog: SensorCatalog
    let downsampledBucket: String

    func series(for user: String, range: GraphRange) throws(InfluxError) -> [ReadingSeries] {
        switch try influx.api() {
        case .v2, .auto: return try fluxSeries(for: user, range: range)
        case .v1: return try influxQLSeries(for: user, range: range)
        }
    }

    /// The script with its parameters defined in front, as literals escaped here.
    func fluxScript(for user: String, range: GraphRange) -> String {
        let bucket =
            range.prefersDownsampled && !downsampledBucket.isEmpty ? downsampledBucket : influx.configuration.bucket
        return "bucket = \(Flux.stringLiteral(bucket))\nuser = \(Flux.stringLiteral(user))\n"
            + "start = -\(range.rawValue)\nevery = \(range.window)\n" + graphScript
    }

    private func fluxSeries(for user: String, range: GraphRange) throws(InfluxError) -> [ReadingSeries] {
        var collector = SeriesCollector()
        try influx.flux(fluxScript(for: user, range: range)) { collector.add($0) }
        return collector.series
    }

    /// `SELECT mean` per device and window; names escaped as identifiers, the user as a literal.
    func influxQL(for user: String, range: GraphRange) -> String {
        let measurements = catalog.measurements.values.sorted().map(InfluxQL.identifier).joined(separator: ",")
        return "SELECT mean(\"reading\") FROM \(measurements) WHERE \"user\" = \(InfluxQL.stringLiteral(user)) "
            + "AND time >= now() - \(range.rawValue) GROUP BY time(\(range.window)), \"device_id\" fill(none)"
    }

    private func influxQLSeries(for user: String, range: GraphRange) throws(InfluxError) -> [ReadingSeries] {
        let body = try influx.influxQL(influxQL(for: user, range: range), epoch: "ms")
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

/// Turns annotated-CSV tables with `_time`, `_value`, `_measurement` and `device_id` into series.
struct SeriesCollector {
    private var collected: [ReadingSeries] = []
    /// Every table that had readings, in the order they arrived.
    var series: [ReadingSeries] { collected.filter { !$0.times.isEmpty } }
    private var columns: (time: Int, value: Int)?

    mutating func add(_ event: AnnotatedCSVEvent) {
        switch event {
        case .table(let table):
            let names = table.columns.map(\.name)
            guard let time = names.firstIndex(of: "_time"), let value = names.firstIndex(of: "_value") else {
                columns = nil
                return
            }
            columns = (time, value)
            // Group-key columns are constant within a table, so the first row names the series.
            collected.append(ReadingSeries(measurement: "", deviceID: "", times: [], values: []))
            measurementColumn = names.firstIndex(of: "_measurement")
            deviceColumn = names.firstIndex(of: "device_id")
        case .record(let values):
            guard let columns, !collected.isEmpty else { return }
            guard case .dateTime(let time) = values[columns.time], let value = Self.number(values[columns.value]) else {
                return
            }
            let last = collected.count - 1
            if collected[last].times.isEmpty {
                collected[last].measurement = Self.text(values, measurementColumn)
                collected[last].deviceID = Self.text(values, deviceColumn)
            }
            collected[last].times.append(Double(time.seconds) + Double(time.nanoseconds) / 1e9)
            collected[last].values.append(value)
        }
    }

    private var measurementColumn: Int?
    private var deviceColumn: Int?

    private static func number(_ value: CSVValue) -> Double? {
        switch value {
        case .double(let number): number
        case .long(let number): Double(number)
        case .unsignedLong(let number): Double(number)
        default: nil
        }
    }

    private static func text(_ values: [CSVValue], _ index: Int?) -> String {
        guard let index, case .string(let text) = values[index] else { return "" }
        return text
    }
}
