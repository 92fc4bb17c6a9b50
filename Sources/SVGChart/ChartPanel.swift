/// One small chart: a measurement with its own y scale.
public struct ChartPanel: Sendable, Equatable {
    public var title: String
    public var series: [ChartSeries]

    public init(title: String, series: [ChartSeries]) {
        self.title = title
        self.series = series
    }
}
