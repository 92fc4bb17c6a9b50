/// One line on a panel: a device's readings in time order.
public struct ChartSeries: Sendable, Equatable {
    public var label: String
    /// Seconds since the Unix epoch.
    public var times: [Double]
    public var values: [Double]

    public init(label: String, times: [Double], values: [Double]) {
        precondition(times.count == values.count, "each time needs a value")
        self.label = label
        self.times = times
        self.values = values
    }
}

/// One small chart: a measurement with its own y scale.
public struct ChartPanel: Sendable, Equatable {
    public var title: String
    public var series: [ChartSeries]

    public init(title: String, series: [ChartSeries]) {
        self.title = title
        self.series = series
    }
}

public struct ChartOptions: Sendable {
    /// The time range shown, seconds since the epoch; every panel shares it.
    public var start: Double
    public var end: Double
    public var width = 960
    public var panelHeight = 170
    /// A gap between readings longer than this breaks the line; nil picks 3× the usual interval.
    public var maximumGap: Double?
    /// Formats a time-axis tick (seconds since the epoch) for the range shown.
    public var timeLabel: @Sendable (Double, _ step: Double) -> String
    public var title = "Readings"

    public init(start: Double, end: Double, timeLabel: @escaping @Sendable (Double, Double) -> String) {
        self.start = start
        self.end = end
        self.timeLabel = timeLabel
    }
}
