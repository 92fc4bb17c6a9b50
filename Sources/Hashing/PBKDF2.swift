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
            let first = prf.authenticate(salt + withUnsafeBytes(of: blockIndex.bigEndian, Array.init))
            derived += iterate(prf, first: first, count: iterations).prefix(length - derived.count)
            blockIndex += 1
        }
        return derived
    }

    /// U2…Uc, each the HMAC of the previous 32-byte digest. Every such HMAC is exactly two block
    /// compressions from the precomputed inner and outer states, done here on one reused block
    /// without allocating: this loop is the whole cost of a password check.
    private static func iterate(_ prf: HMACSHA256, first: [UInt8], count: Int) -> [UInt8] {
        // A 32-byte message after one 64-byte key block: 0x80 padding, then the length, 768 bits.
        var block = [UInt8](repeating: 0, count: 64)
        block[32] = 0x80
        block[62] = 0x03
        block.replaceSubrange(0..<32, with: first)
        var result = first
        block.withUnsafeMutableBytes { block in
            result.withUnsafeMutableBytes { result in
                for _ in 1..<count {
                    var inner = prf.innerState
                    SHA256.compress(&inner, UnsafeRawBufferPointer(block))
                    store(inner, into: block)
                    var outer = prf.outerState
                    SHA256.compress(&outer, UnsafeRawBufferPointer(block))
                    store(outer, into: block)
                    for index in 0..<32 { result[index] ^= block[index] }
                }
            }
        }
        return result
    }

    private static func store(_ state: SHA256.State, into block: UnsafeMutableRawBufferPointer) {
        block.storeBytes(of: state.0.bigEndian, toByteOffset: 0, as: UInt32.self)
        block.storeBytes(of: state.1.bigEndian, toByteOffset: 4, as: UInt32.self)
        block.storeBytes(of: state.2.bigEndian, toByteOffset: 8, as: UInt32.self)
        block.storeBytes(of: state.3.bigEndian, toByteOffset: 12, as: UInt32.self)
        block.storeBytes(of: state.4.bigEndian, toByteOffset: 16, as: UInt32.self)
        block.storeBytes(of: state.5.bigEndian, toByteOffset: 20, as: UInt32.self)
        block.storeBytes(of: state.6.bigEndian, toByteOffset: 24, as: UInt32.self)
        block.storeBytes(of: state.7.bigEndian, toByteOffset: 28, as: UInt32.self)
    }
}
