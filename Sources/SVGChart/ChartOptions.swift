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
