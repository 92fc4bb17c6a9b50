import InfluxClient

/// Turns InfluxQL series (`time` in milliseconds, then the reading) into reading series, one per
/// measurement and `device_id` tag.
struct InfluxQLSeriesCollector {
    private var collected: [ReadingSeries] = []
    /// Every series that had readings, ordered by measurement and device.
    var series: [ReadingSeries] {
        collected.filter { !$0.times.isEmpty }.sorted { ($0.measurement, $0.deviceID) < ($1.measurement, $1.deviceID) }
    }

    mutating func add(_ event: InfluxQLEvent) {
        switch event {
        case .series(let name, let tags, _):
            collected.append(ReadingSeries(measurement: name, deviceID: tags["device_id"] ?? "", times: [], values: []))
        case .row(let cells):
            guard !collected.isEmpty, cells.count >= 2, let time = cells[0].number, let value = cells[1].number else {
                return
            }
            collected[collected.count - 1].times.append(time / 1000)
            collected[collected.count - 1].values.append(value)
        }
    }
}
