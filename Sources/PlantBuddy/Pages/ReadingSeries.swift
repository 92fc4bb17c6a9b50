/// One device's readings of one sensor, oldest first: what the chart draws, whichever database answered.
public struct ReadingSeries: Equatable, Sendable {
    public var measurement: String
    public var deviceID: String
    public var times: [Double]
    public var values: [Double]
}
