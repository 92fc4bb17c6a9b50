import InfluxClient

/// Turns SQL rows (`measurement`, `device_id`, `bucket_start` as 3.x's naive UTC time, `reading`),
/// ordered by measurement and device, into reading series.
struct SQLSeriesCollector {
    private(set) var series: [ReadingSeries] = []

    /// The cells each row is read as, in this order.
    static let columns = ["measurement", "device_id", "bucket_start", "reading"]

    mutating func add(_ row: [JSONScalar]) {
        guard let measurement = row[0].text, let time = row[2].text.flatMap(Self.seconds), let value = row[3].number
        else { return }
        let device = row[1].text ?? ""
        if series.last?.measurement != measurement || series.last?.deviceID != device {
            series.append(ReadingSeries(measurement: measurement, deviceID: device, times: [], values: []))
        }
        series[series.count - 1].times.append(time)
        series[series.count - 1].values.append(value)
    }

    /// `2026-12-02T10:00:00[.123]`: InfluxDB 3 writes UTC times without a zone.
    static func seconds(_ text: String) -> Double? {
        guard let stamp = Timestamp(utcWithoutZone: text) else { return nil }
        return Double(stamp.seconds) + Double(stamp.nanoseconds) / 1e9
    }
}
