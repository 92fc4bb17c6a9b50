/// One line of a write that InfluxDB 3 refused while it kept the others (a partial write).
public struct RefusedLine: Equatable, Sendable {
    /// 1-based, within the request's body.
    public var number: Int
    /// InfluxDB's reason, in its words.
    public var message: String

    public init(number: Int, message: String) {
        self.number = number
        self.message = message
    }
}
