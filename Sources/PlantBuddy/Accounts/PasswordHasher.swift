import Foundation
import Hashing

/// Password hashes as stored in the users file: `pbkdf2-sha256$<iterations>$<salt>$<hash>` (base64).
/// The iteration count travels with each hash, so raising the setting never locks anyone out.
struct PasswordHasher: Sendable {
    let iterations: Int
    static let saltBytes = 16
    static let hashBytes = 32

    func hash(_ password: String) -> String {
        let salt = SecureRandom.bytes(Self.saltBytes)
        let derived = PBKDF2.sha256(
            password: Array(password.utf8), salt: salt, iterations: iterations, length: Self.hashBytes)
        return "pbkdf2-sha256$\(iterations)$\(Data(salt).base64EncodedString())$\(Data(derived).base64EncodedString())"
    }

    /// Constant-time comparison of the derived key; a malformed stored hash never matches.
    static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$")
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", let iterations = Int(parts[1]), iterations > 0,
            let salt = Data(base64Encoded: String(parts[2])), let expected = Data(base64Encoded: String(parts[3]))
        else { return false }
        let derived = PBKDF2.sha256(
            password: Array(password.utf8), salt: Array(salt), iterations: iterations, length: expected.count)
        return constantTimeEquals(derived, Array(expected))
    }

    /// The same work as a real check, for unknown users, so timing does not tell which names exist.
    func spendVerificationTime(_ password: String) {
        _ = PBKDF2.sha256(
            password: Array(password.utf8), salt: [UInt8](repeating: 0, count: Self.saltBytes),
            iterations: iterations, length: Self.hashBytes)
    }
}
