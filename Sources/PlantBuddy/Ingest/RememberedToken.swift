import HTTPServer
import Hashing

/// A device token that found its user, with its digest and what it found, kept with the connection
/// it came on: a keep-alive client presents the same token on every request, and hashing it was a
/// tenth of a device request's instructions, looking its digest up another ~2 %. The users file is
/// still checked for changes on every request, and any change means a new lookup, so a rotated or
/// removed token stops working at once. Only tokens that found a user are kept, and the token is
/// compared in constant time, so nothing is learnt from the time that the answer does not already say.
final class RememberedToken: Sendable {
    let token: [UInt8]
    let digest: TokenDigest
    let found: UserStore.FoundUser
    /// The series this connection wrote for `found`'s user: they name the user, so they are
    /// forgotten with the record they were made from.
    let series = SeriesPrefixes()

    init(token: [UInt8], digest: TokenDigest, found: UserStore.FoundUser) {
        self.token = token
        self.digest = digest
        self.found = found
    }

    /// The user the token found.
    var user: UserRecord { found.record }

    /// What this connection remembers of `token`, if it presented the same token before.
    static func recall(_ token: UnsafeBufferPointer<UInt8>, on memo: ConnectionMemo) -> RememberedToken? {
        guard let known = memo.recall(RememberedToken.self), constantTimeEquals(known.token, token) else { return nil }
        return known
    }
}
