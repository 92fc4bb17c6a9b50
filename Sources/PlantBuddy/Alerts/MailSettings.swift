public import CurlClient

/// The outgoing mail server, if e-mail is configured.
public struct MailSettings: Sendable {
    public var server: MailServer
    public var from: String

    public init(server: MailServer, from: String) {
        self.server = server
        self.from = from
    }
}
