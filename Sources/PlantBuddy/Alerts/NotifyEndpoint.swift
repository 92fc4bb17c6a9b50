import Foundation
import HTTPServer
import Hashing
import Observability

/// `POST /notify`: InfluxDB's notification rule reporting a status. Only a request whose
/// `Authorization` header is exactly the shared secret is heard; the notification is stored (once)
/// for its user and shown on their page.
struct NotifyEndpoint: Sendable {
    /// Empty: no secret configured, so every request is refused.
    let secret: [UInt8]
    let users: UserStore
    let rules: AlertRules
    let delivery: AlertDelivery
    let logger: Logger
    let metrics: Metrics

    /// The JSON body `Flux/notification_rule.flux` sends.
    struct Body: Decodable {
        let user: String
        let level: String
        let message: String
        let deviceID: String?
        /// The reading behind the status (the alert check task sends it).
        let value: Double?
        let sensor: String?
        let time: String?
        let checkID: String?

        enum CodingKeys: String, CodingKey {
            case user, level, message, sensor, time, value
            case deviceID = "device_id"
            case checkID = "check_id"
        }
    }

    /// InfluxDB sends one small JSON object per status.
    static let maxBodyBytes = 64 * 1024

    func respond(to request: HTTPRequest) -> HTTPResponse {
        guard request.body.count <= Self.maxBodyBytes else { return .text(.payloadTooLarge, "notification too large") }
        let presented = Array((request.headers["Authorization"] ?? "").utf8)
        guard !secret.isEmpty, constantTimeEquals(presented, secret) else {
            metrics.increment("plantbuddy_notifications_total", ["result": "unauthorized"])
            logger.warning("notification refused: wrong or missing secret", ["peer": request.remoteAddress])
            return .text(.unauthorized, "unauthorized")
        }
        let now = Date()
        var notification: PlantNotification
        var value: Double?
        let trimmed = request.body.drop {
            $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r")
        }
        if trimmed.first == UInt8(ascii: "{") {
            guard let body = try? JSONDecoder().decode(Body.self, from: Data(request.body)), !body.user.isEmpty else {
                metrics.increment("plantbuddy_notifications_total", ["result": "malformed"])
                logger.warning("notification refused: malformed JSON", ["peer": request.remoteAddress])
                return .text(.badRequest, #"malformed notification: expected JSON with "user", "level" and "message""#)
            }
            value = body.value
            notification = PlantNotification(
                user: body.user, deviceID: body.deviceID, sensor: body.sensor, level: body.level, message: body.message,
                time: body.time ?? ISO8601DateFormatter().string(from: now), checkID: body.checkID, receivedAt: now)
        } else {
            let text = String(decoding: request.body, as: UTF8.self).trimmingCharacters(in: " \r\n\t")
            guard let user = attributedUser(text) else {
                metrics.increment("plantbuddy_notifications_total", ["result": "unattributed"])
                logger.warning("notification names no known user; kept here for the operator", ["message": text])
                return .text(.ok, "ok")
            }
            notification = PlantNotification(
                user: user, deviceID: nil, sensor: nil, level: "crit", message: text,
                time: ISO8601DateFormatter().string(from: now), checkID: nil, receivedAt: now)
        }
        guard let owner = users.user(named: notification.user) else {
            return unknownUser(notification)
        }
        // A status of one of the owner's rules reads as the gateway's own alerts do, naming the
        // device as its owner named it.
        if let rule = rules.rules(of: owner).first(where: { $0.id == notification.checkID }),
            let deviceID = notification.deviceID, let level = AlertTransition.Level(rawValue: notification.level)
        {
            notification.message = AlertTransition(
                user: owner.name, rule: rule, deviceID: deviceID, level: level, value: value, time: 0
            ).message(deviceName: owner.deviceName(deviceID))
        }
        return store(notification, for: owner)
    }

    private func unknownUser(_ notification: PlantNotification) -> HTTPResponse {
        metrics.increment("plantbuddy_notifications_total", ["result": "unknown-user"])
        logger.warning(
            "notification for an unknown user", ["user": notification.user, "message": notification.message])
        return .text(.ok, "ok")
    }

    private func store(_ notification: PlantNotification, for owner: UserRecord) -> HTTPResponse {
        do {
            let isNew = try delivery.deliver(notification, to: owner)
            metrics.increment("plantbuddy_notifications_total", ["result": isNew ? "stored" : "duplicate"])
        } catch {
            metrics.increment("plantbuddy_notifications_total", ["result": "error"])
            logger.error("cannot store a notification", ["user": notification.user, "error": error.description])
            return .text(.serviceUnavailable, "cannot store the notification")
        }
        return .text(.ok, "ok")  // InfluxDB records a notification as sent only for 200
    }

    /// The original tutorial's rules send "soil moisture at N for USER": the name after the last
    /// " for " counts only if it is exactly one existing user.
    private func attributedUser(_ text: String) -> String? {
        guard let marker = text.range(of: " for ", options: .backwards) else { return nil }
        let candidate = String(text[marker.upperBound...])
        return users.user(named: candidate) != nil ? candidate : nil
    }
}
