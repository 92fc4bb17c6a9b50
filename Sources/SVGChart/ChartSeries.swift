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
