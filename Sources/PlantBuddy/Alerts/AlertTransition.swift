import Foundation
import InfluxClient

/// A rule's move into alert (`crit`) or out of it (`ok`, "recovered") for one device.
struct AlertTransition: Sendable, Equatable {
    enum Level: String, Sendable {
        case crit, ok
    }

    let user: String
    let rule: AlertRule
    let deviceID: String
    let level: Level
    /// The reading that caused it; nil for a silence that began.
    let value: Double?
    /// Nanoseconds since the epoch.
    let time: Int64

    /// What the person reads, naming the device as they named it.
    func message(deviceName: String) -> String {
        let sensor = rule.sensor.replacingOccurrences(of: "_", with: " ")
        let reading = value.map(AlertCondition.number) ?? ""
        switch (rule.condition, level) {
        case (.silentFor(let seconds), .crit):
            return "\(deviceName): no \(sensor) reading for \(AlertCondition.duration(seconds))"
        case (.silentFor, .ok):
            return "\(deviceName): \(sensor) readings again"
        case (_, .crit):
            return "\(deviceName): \(sensor) \(reading) (\(rule.condition.summary))"
        case (_, .ok):
            return "\(deviceName): \(sensor) recovered, \(reading) (rule: \(rule.condition.summary))"
        }
    }

    /// As the page, the history and the webhook carry it (the fields `/notify` receives).
    func notification(deviceName: String, receivedAt: Date) -> PlantNotification {
        PlantNotification(
            user: user, deviceID: deviceID, sensor: rule.sensor, level: level.rawValue,
            message: message(deviceName: deviceName), time: Timestamp(nanosecondsSinceEpoch: time).description,
            checkID: rule.id, receivedAt: receivedAt)
    }
}
