import InfluxClient
import SVGChart

/// From series to the SVG the page shows: one panel per sensor, one line per device.
enum Chart {
    /// `deviceName` labels each device's line (what its owner calls it).
    static func svg(
        _ series: [ReadingSeries], start: Double, end: Double, title: String,
        deviceName: (String) -> String = { "device \($0)" }
    ) -> String {
        let measurements = Array(Set(series.map(\.measurement))).sorted()
        let panels = measurements.map { measurement in
            ChartPanel(
                title: measurement,
                series: series.filter { $0.measurement == measurement }.sorted { $0.deviceID < $1.deviceID }.map {
                    ChartSeries(label: deviceName($0.deviceID), times: $0.times, values: $0.values)
                })
        }
        var options = ChartOptions(start: start, end: end, timeLabel: timeLabel)
        options.title = title
        return SVGChart.render(panels, options: options)
    }

    /// UTC `HH:MM` for ticks hours apart, `MM-DD HH:MM` when they span days, `MM-DD` for whole days.
    @Sendable static func timeLabel(_ seconds: Double, _ step: Double) -> String {
        let characters = Array(Timestamp(seconds: Int64(seconds.rounded(.down))).description)
        if step < 3 * 3600 { return String(characters[11..<16]) }
        if step < 86_400 { return String(characters[5..<10]) + " " + String(characters[11..<16]) }
        return String(characters[5..<10])
    }
}
