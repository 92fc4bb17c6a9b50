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
    /// The alert rules this person set (the default soil rule applies until they set a soil rule).
    public var rules: [AlertRule]?
    /// What this person calls their devices, by device id.
    public var deviceNames: [String: String]?

    /// "Fern, kitchen window" for a named device, "device 01" otherwise.
    public func deviceName(_ id: String) -> String {
        if let name = deviceNames?[id], !name.isEmpty { return name }
        return "device \(id)"
    }
}
