import HTTPServer
import Hashing

/// A device token that found its user, with its digest, kept with the connection it came on: a
/// keep-alive client presents the same token on every request, and hashing it was a tenth of a
/// device request's instructions. The user is still looked up by the digest every time, so a
/// rotated or removed token stops working at once. Only tokens that found a user are kept, and the
/// token is compared in constant time, so nothing is learnt from the time that the answer does not
/// already say.
final class RememberedToken: Sendable {
    let token: [UInt8]
    let digest: TokenDigest

    init(token: [UInt8], digest: TokenDigest) {
        self.token = token
        self.digest = digest
    }

    /// The digest of `token`: the remembered one when this connection presented the same token
    /// before, otherwise computed (and `remembered` is false, so the caller may keep it).
    static func digest(
        of token: UnsafeBufferPointer<UInt8>, on memo: ConnectionMemo
    ) -> (digest: TokenDigest, remembered: Bool) {
        if let known = memo.recall(RememberedToken.self), constantTimeEquals(known.token, token) {
            return (known.digest, true)
        }
        return (TokenDigest(of: token), false)
    }
}
