import Hashing
import Testing

@Suite struct SHA256Tests {
    /// FIPS 180-4 example vectors (NIST CSRC "SHA256.pdf", "SHA2_Additional.pdf").
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
        (
            "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
        ),
    ])
    func digestMatchesNISTVector(message: String, expected: String) {
        #expect(Hex.encode(SHA256.hash(message)) == expected)
    }

    @Test func millionAsMatchesNISTVector() {
        #expect(
            Hex.encode(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Block-boundary lengths (55, 56, 63, 64, 65 bytes) fed in uneven pieces hash like one update.
    @Test(arguments: [55, 56, 63, 64, 65, 119, 128])
    func incrementalUpdatesEqualOneShot(length: Int) {
        let message = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var hasher = SHA256()
        var index = 0
        var piece = 1
        while index < message.count {
            let end = min(message.count, index + piece)
            hasher.update(message[index..<end])
            index = end
            piece = piece % 17 + 3
        }
        #expect(hasher.finalize() == SHA256.hash(message))
    }

    @Test func constantTimeEqualsComparesContentAndLength() {
        #expect(constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2]))
    }

    @Test func hexRoundTripsAndRejectsGarbage() {
        let bytes: [UInt8] = [0, 0x0f, 0xa5, 0xff]
        #expect(Hex.encode(bytes) == "000fa5ff")
        #expect(Hex.decode("000FA5ff") == bytes)
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
    }

    @Test func secureRandomBytesDiffer() {
        #expect(SecureRandom.bytes(32) != SecureRandom.bytes(32))
        #expect(SecureRandom.bytes(5).count == 5)
    }
}
