/// HMAC-SHA256 (RFC 2104), verified against the RFC 4231 test vectors.
public struct HMACSHA256: Sendable {
    private static let blockBytes = 64
    private var inner: SHA256
    private var outer: SHA256

    var innerState: SHA256.State { inner.state }
    var outerState: SHA256.State { outer.state }

    /// Hashes the padded key once, so one key can authenticate many messages cheaply (PBKDF2).
    public init(key: some Collection<UInt8>) {
        var block = key.count > Self.blockBytes ? SHA256.hash(key) : Array(key)
        block += [UInt8](repeating: 0, count: Self.blockBytes - block.count)
        inner = SHA256()
        inner.update(block.map { $0 ^ 0x36 })
        outer = SHA256()
        outer.update(block.map { $0 ^ 0x5c })
    }

    public func authenticate(_ message: some Sequence<UInt8>) -> [UInt8] {
        var inner = self.inner
        inner.update(message)
        var outer = self.outer
        outer.update(inner.finalize())
        return outer.finalize()
    }

    public static func authenticate(_ message: some Sequence<UInt8>, key: some Collection<UInt8>) -> [UInt8] {
        HMACSHA256(key: key).authenticate(message)
    }
}
