import Foundation
import Glibc
import HTTPServer
import Hashing

/// Signed session cookies: `pb_session=<payload>.<HMAC-SHA256>`, both base64url. The payload holds
/// the expiry and the user name; the key lives in `<data dir>/session.key` (created on first start,
/// mode 0600, never logged), so replacing that file signs everyone out.
struct SessionSigner: Sendable {
    static let cookieName = "pb_session"
    private let mac: HMACSHA256
    let lifetime: Duration
    let secureCookies: Bool

    init(key: [UInt8], lifetime: Duration, secureCookies: Bool) {
        mac = HMACSHA256(key: key)
        self.lifetime = lifetime
        self.secureCookies = secureCookies
    }

    /// Reads the key, or creates it (atomically, so two starting processes agree on one key).
    static func loadKey(dataDirectory: String) throws(UserStoreError) -> [UInt8] {
        let path = dataDirectory + "/session.key"
        if let data = FileManager.default.contents(atPath: path), data.count >= 32 { return Array(data) }
        do {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw .io("cannot create data directory \(dataDirectory): \(error.localizedDescription)")
        }
        do throws(AtomicFileError) {
            try AtomicFile.write(Data(SecureRandom.bytes(32)), to: path, mode: 0o600)
        } catch {
            throw .io(error.description)
        }
        guard let data = FileManager.default.contents(atPath: path), data.count >= 32 else {
            throw .io("cannot read \(path)")
        }
        return Array(data)
    }

    func cookie(for user: String, now: Date = Date()) -> String {
        let expires = Int64(now.timeIntervalSince1970) + lifetime.components.seconds
        let payload = Base64URL.encode(Array("v1\n\(expires)\n\(user)".utf8))
        let value = payload + "." + Base64URL.encode(mac.authenticate(Array(payload.utf8)))
        return "\(Self.cookieName)=\(value); Path=/; Max-Age=\(lifetime.components.seconds); HttpOnly; SameSite=Lax"
            + (secureCookies ? "; Secure" : "")
    }

    var expiredCookie: String {
        "\(Self.cookieName)=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax" + (secureCookies ? "; Secure" : "")
    }

    /// The signed-in user's name, if the cookie is present, untampered and unexpired.
    func user(from headers: HTTPHeaders, now: Date = Date()) -> String? {
        Self.cookie(Self.cookieName, in: headers).flatMap { verify($0, now: now) }
    }

    /// A cookie's value from the request's `Cookie` headers.
    static func cookie(_ name: String, in headers: HTTPHeaders) -> String? {
        for header in headers.values("Cookie") {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: " ") }
                if parts.count == 2, parts[0] == name { return parts[1] }
            }
        }
        return nil
    }

    // MARK: CSRF

    /// A form's anti-forgery token: a MAC of something only this browser holds (the session cookie,
    /// or before sign-in the `pb_login` cookie), which another site's page cannot read.
    func csrfToken(binding: String) -> String { Base64URL.encode(mac.authenticate(Array("csrf\n\(binding)".utf8))) }

    func isValidCSRF(_ token: String?, binding: String?) -> Bool {
        guard let token, let binding, let presented = Base64URL.decode(token) else { return false }
        return constantTimeEquals(presented, mac.authenticate(Array("csrf\n\(binding)".utf8)))
    }

    static let loginCookieName = "pb_login"

    /// A random value for the sign-in form's CSRF binding, scoped to `/login`.
    func loginCookie(_ value: String) -> String {
        "\(Self.loginCookieName)=\(value); Path=/login; HttpOnly; SameSite=Strict" + (secureCookies ? "; Secure" : "")
    }

    private func verify(_ value: String, now: Date) -> String? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let signature = Base64URL.decode(String(parts[1])),
            constantTimeEquals(mac.authenticate(Array(parts[0].utf8)), signature),
            let payload = Base64URL.decode(String(parts[0]))
        else { return nil }
        let fields = String(decoding: payload, as: UTF8.self).split(
            separator: "\n", maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3, fields[0] == "v1", let expires = Int64(fields[1]),
            expires > Int64(now.timeIntervalSince1970)
        else { return nil }
        return String(fields[2])
    }
}
