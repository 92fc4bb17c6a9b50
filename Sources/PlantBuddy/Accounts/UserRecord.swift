public import Foundation

/// A Plant Buddy account as stored: the name, and only a hash of its device token.
public struct UserRecord: Codable, Equatable, Sendable {
    public var name: String
    /// Hex SHA-256 of the device token's text. The token itself is shown once and never stored.
    public var tokenSHA256: String
    public var createdAt: Date
    /// `pbkdf2-sha256$…` (see `PasswordHasher`); nil until a password is set. Needed to sign in.
    public var passwordHash: String?
    /// Where alerts go besides the page.
    public var channels: NotificationChannels?
}
