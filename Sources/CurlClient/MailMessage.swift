/// An e-mail for `CurlHTTPClient.sendMail`: the envelope and the whole RFC 5322 message.
public struct MailMessage: Sendable {
    public var from: String
    public var to: [String]
    /// Headers, a blank line, the body; CRLF line endings.
    public var content: [UInt8]

    public init(from: String, to: [String], content: [UInt8]) {
        self.from = from
        self.to = to
        self.content = content
    }
}
