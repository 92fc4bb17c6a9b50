import Foundation

/// One alert a person set for their plants: a sensor, a device of theirs or all of them, and when it
/// fires. Stored with the user (`users.json`), so a change made on the settings page or with
/// `plantbuddy rules` reaches a running gateway as user changes do.
public struct AlertRule: Codable, Equatable, Sendable {
    /// Unique within the user: `r` and eight hex digits (the default rule's is `default-soil`).
    public var id: String
    /// A measurement of the sensor catalog, such as `soil_moisture`.
    public var sensor: String
    /// One of the user's devices; nil: any of them.
    public var deviceID: String?
    public var condition: AlertCondition
    /// Where the alert goes besides the person's history; nil: every channel the person has set.
    public var channels: Set<AlertChannel>?

    public init(
        id: String = AlertRule.makeID(), sensor: String, deviceID: String? = nil, condition: AlertCondition,
        channels: Set<AlertChannel>? = nil
    ) {
        self.id = id
        self.sensor = sensor
        self.deviceID = deviceID
        self.condition = condition
        self.channels = channels
    }

    public static func makeID() -> String {
        "r" + String(UInt32.random(in: 0...UInt32.max), radix: 16).leftPadded(to: 8)
    }

    /// Whether a reading of `sensor` from `deviceID` is this rule's to judge.
    public func watches(sensor: String, deviceID: String) -> Bool {
        self.sensor == sensor && (self.deviceID == nil || self.deviceID == deviceID)
    }

    /// What a person reads: "soil moisture at or below 35 on Fern, kitchen window".
    public func summary(deviceName: (String) -> String) -> String {
        let sensorName = sensor.replacingOccurrences(of: "_", with: " ")
        let devices = deviceID.map { "on " + deviceName($0) } ?? "on any device"
        return "\(sensorName) \(condition.summary) \(devices)"
    }
}

extension String {
    fileprivate func leftPadded(to count: Int) -> String {
        String(repeating: "0", count: max(0, count - self.count)) + self
    }
}
