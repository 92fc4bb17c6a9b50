/// Where a user hears about alerts.
public struct NotificationChannels: Codable, Equatable, Sendable {
    /// An incoming webhook (ntfy, Slack-, Discord-style): POSTed JSON.
    public var webhook: String?
    public var email: String?

    public init(webhook: String? = nil, email: String? = nil) {
        self.webhook = webhook
        self.email = email
    }
}
