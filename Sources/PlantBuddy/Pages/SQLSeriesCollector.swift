import InfluxClient

/// Turns SQL rows (`measurement`, `device_id`, `bucket_start` as 3.x's naive UTC time, `reading`),
/// ordered by measurement and device, into reading series.
struct SQLSeriesCollector {
    private(set) var series: [ReadingSeries] = []

    mutating func add(_ row: [String: JSONScalar]) {
        guard let measurement = row["measurement"]?.text, let time = row["bucket_start"]?.text.flatMap(Self.seconds),
            let value = row["reading"]?.number
        else { return }
        let device = row["device_id"]?.text ?? ""
        if series.last?.measurement != measurement || series.last?.deviceID != device {
            series.append(ReadingSeries(measurement: measurement, deviceID: device, times: [], values: []))
        }
        series[series.count - 1].times.append(time)
        series[series.count - 1].values.append(value)
    }

    /// `2026-12-02T10:00:00[.123]`: InfluxDB 3 writes UTC times without a zone.
    static func seconds(_ text: String) -> Double? {
        let zoned = text.hasSuffix("Z") || text.contains("+") ? text : text + "Z"
        guard let stamp = Timestamp(rfc3339: zoned) else { return nil }
        return Double(stamp.seconds) + Double(stamp.nanoseconds) / 1e9
    }
}
