public import Foundation

/// One alert for one user, as `/notify` received it.
public struct PlantNotification: Codable, Equatable, Sendable {
    public var user: String
    public var deviceID: String?
    public var sensor: String?
    public var level: String
    public var message: String
    /// When the status happened (RFC 3339 as InfluxDB sent it), or when it was received.
    public var time: String
    public var checkID: String?
    public var receivedAt: Date

    enum CodingKeys: String, CodingKey {
        case user, sensor, level, message, time
        case deviceID = "device_id"
        case checkID = "check_id"
        case receivedAt = "received_at"
    }

    /// The same status delivered twice has the same key.
    var deduplicationKey: String {
        [checkID ?? "", user, deviceID ?? "", sensor ?? "", level, time].joined(separator: "\u{1F}")
    }
}
