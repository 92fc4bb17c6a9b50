public struct MailServer: Sendable {
    /// `smtp://host:587` (STARTTLS is used when the server offers it) or `smtps://host:465`.
    public var url: String
    public var username = ""
    public var password = ""

    public init(url: String) { self.url = url }
}
