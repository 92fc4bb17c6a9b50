/// HMAC-SHA256 (RFC 2104), verified against the RFC 4231 test vectors.
public struct HMACSHA256: Sendable {
    private static let blockBytes = 64
    private var inner: SHA256
    private var outer: SHA256

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

/// PBKDF2 with HMAC-SHA256 (RFC 8018 §5.2), verified against the RFC 7914 §11 vectors.
public enum PBKDF2 {
    public static func sha256(password: some Collection<UInt8>, salt: [UInt8], iterations: Int, length: Int) -> [UInt8]
    {
        precondition(iterations > 0 && length > 0, "PBKDF2 needs at least one iteration and one byte")
        let prf = HMACSHA256(key: password)
        var derived: [UInt8] = []
        derived.reserveCapacity(length)
        var blockIndex: UInt32 = 1
        while derived.count < length {
            var u = prf.authenticate(salt + withUnsafeBytes(of: blockIndex.bigEndian, Array.init))
            var block = u
            for _ in 1..<iterations {
                u = prf.authenticate(u)
                for index in 0..<block.count { block[index] ^= u[index] }
            }
            derived += block.prefix(length - derived.count)
            blockIndex += 1
        }
        return derived
    }
}
