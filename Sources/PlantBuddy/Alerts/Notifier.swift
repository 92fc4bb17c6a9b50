import CurlClient
import Foundation
import Locking
import Observability

/// Delivers notifications to users' channels on its own thread, off the request path: /notify only
/// queues. Each delivery is retried with exponential backoff; a final failure is logged and counted
/// (the notification is still on the user's page).
final class Notifier: Sendable {
    private struct Delivery {
        var notification: PlantNotification
        var channel: Channel
        var attempt = 0
        var due = Date()
    }

    enum Channel: Equatable {
        case webhook(String)
        case email(String)

        var name: String {
            switch self {
            case .webhook: "webhook"
            case .email: "email"
            }
        }
    }

    private let http: CurlHTTPClient
    private let mail: MailSettings?
    private let attempts: Int
    private let firstRetry: TimeInterval
    private let logger: Logger
    private let metrics: Metrics
    private struct Queue {
        var deliveries: [Delivery] = []
        var stopping = false
    }

    private let queue = GuardedState(Queue())

    init(mail: MailSettings?, attempts: Int, firstRetry: Duration, logger: Logger, metrics: Metrics) {
        var configuration = CurlClientConfiguration()
        configuration.totalTimeout = .seconds(10)
        http = CurlHTTPClient(configuration: configuration)
        self.mail = mail
        self.attempts = attempts
        self.firstRetry = firstRetry.seconds
        self.logger = logger
        self.metrics = metrics
        let thread = Thread { [self] in
            Thread.current.name = "notifier"
            run()
        }
        thread.start()
    }

    func enqueue(_ notification: PlantNotification, to channels: NotificationChannels) {
        var deliveries: [Delivery] = []
        if let url = channels.webhook {
            deliveries.append(Delivery(notification: notification, channel: .webhook(url)))
        }
        if let address = channels.email {
            if mail == nil {
                metrics.increment("plantbuddy_notification_deliveries_total", ["channel": "email", "result": "failed"])
                logger.error(
                    "cannot e-mail a notification: PLANTBUDDY_SMTP_URL is not set", ["user": notification.user])
            } else {
                deliveries.append(Delivery(notification: notification, channel: .email(address)))
            }
        }
        guard !deliveries.isEmpty else { return }
        queue.withLock(wake: .one) { $0.deliveries += deliveries }
    }

    /// Ends the thread; deliveries still queued are dropped (the notifications stay on the page).
    func stop() {
        queue.withLock(wake: .all) { $0.stopping = true }
    }

    private func run() {
        while var delivery = nextDue() {
            do {
                try deliver(delivery)
                metrics.increment(
                    "plantbuddy_notification_deliveries_total",
                    ["channel": delivery.channel.name, "result": "delivered"])
            } catch {
                delivery.attempt += 1
                let fields: KeyValuePairs<String, String> = [
                    "user": delivery.notification.user, "channel": delivery.channel.name,
                    "attempt": String(delivery.attempt), "error": "\(error)",
                ]
                if delivery.attempt >= attempts {
                    metrics.increment(
                        "plantbuddy_notification_deliveries_total",
                        ["channel": delivery.channel.name, "result": "failed"])
                    logger.error("notification delivery failed for good", fields)
                    continue
                }
                metrics.increment(
                    "plantbuddy_notification_deliveries_total", ["channel": delivery.channel.name, "result": "retried"])
                logger.warning("notification delivery failed; will retry", fields)
                delivery.due = Date().addingTimeInterval(firstRetry * pow(2, Double(delivery.attempt - 1)))
                queue.withLock { $0.deliveries.append(delivery) }
            }
        }
    }

    /// Waits for a delivery that is due and takes it from the queue; nil once stopping.
    private func nextDue() -> Delivery? {
        queue.waiting { queue in
            if queue.stopping { return .finished(nil) }
            let now = Date()
            if let index = queue.deliveries.firstIndex(where: { $0.due <= now }) {
                return .finished(queue.deliveries.remove(at: index))
            }
            guard let soonest = queue.deliveries.map(\.due).min() else { return .untilWoken }
            return .until(soonest)
        }
    }

    struct DeliveryError: Error, CustomStringConvertible {
        let description: String
    }

    private func deliver(_ delivery: Delivery) throws {
        let notification = delivery.notification
        switch delivery.channel {
        case .webhook(let url):
            // `text` for Slack-style hooks, `content` for Discord-style; the rest for anything else.
            let summary = "Plant Buddy: \(notification.message)"
            let body: [String: String?] = [
                "text": summary, "content": summary, "user": notification.user, "device_id": notification.deviceID,
                "sensor": notification.sensor, "level": notification.level, "message": notification.message,
                "time": notification.time, "check_id": notification.checkID,
            ]
            let data = try JSONSerialization.data(withJSONObject: body.compactMapValues { $0 }, options: [.sortedKeys])
            let response = try http.send(
                HTTPClientRequest(
                    method: "POST", url: url, headers: [("Content-Type", "application/json")], body: Array(data)))
            guard (200..<300).contains(response.status) else {
                throw DeliveryError(description: "webhook answered \(response.status)")
            }
        case .email(let address):
            guard let mail else { return }
            let subject = Self.headerSafe("Plant Buddy: \(notification.level) – \(notification.message)".prefix(120))
            let date = DateFormatter.rfc5322.string(from: Date())
            let text = """
                From: Plant Buddy <\(mail.from)>\r
                To: <\(address)>\r
                Subject: \(subject)\r
                Date: \(date)\r
                MIME-Version: 1.0\r
                Content-Type: text/plain; charset=utf-8\r
                Content-Transfer-Encoding: 8bit\r
                \r
                \(notification.message)\r
                \r
                Level: \(notification.level)\r
                Time: \(notification.time)\r
                Device: \(notification.deviceID ?? "unknown")\r

                """
            // A lone "." line would end the message early (RFC 5321 §4.5.2): dot-stuff it.
            let stuffed = text.replacingOccurrences(of: "\r\n.", with: "\r\n..")
            try http.sendMail(
                MailMessage(from: mail.from, to: [address], content: Array(stuffed.utf8)), via: mail.server)
        }
    }

    /// No CR or LF can reach a mail header (header injection).
    static func headerSafe(_ text: some StringProtocol) -> String {
        String(text).replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }
}

extension DateFormatter {
    fileprivate static let rfc5322: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter
    }()
}
