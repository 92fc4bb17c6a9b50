/// A point that line protocol cannot carry exactly. The encoder refuses rather than let InfluxDB
/// store something other than what was meant.
public struct LineProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    public let element: String
    public let reason: String
    public var description: String { "\(element): \(reason)" }
}
