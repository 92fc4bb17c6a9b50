/// One InfluxDB point. Tags and fields are encoded sorted by key, as InfluxDB prefers.
public struct Point: Sendable, Equatable {
    public var measurement: String
    public var tags: [String: String]
    public var fields: [String: FieldValue]
    /// Nanoseconds since the Unix epoch. Always set by the gateway, so a resend overwrites.
    public var timestamp: Int64?

    public init(
        measurement: String, tags: [String: String] = [:], fields: [String: FieldValue], timestamp: Int64? = nil
    ) {
        self.measurement = measurement
        self.tags = tags
        self.fields = fields
        self.timestamp = timestamp
    }
}
