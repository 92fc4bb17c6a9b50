import Foundation
import HTTPServer
import Hashing
import TestSupport
import Testing

@testable import PlantBuddy

private func temporaryDirectory() -> String {
    let path = ScratchDirectory.path("users")
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite struct UserStoreTests {
    @Test func tokensAreStoredOnlyAsHashesAndAuthenticate() throws {
        let directory = temporaryDirectory()
        let store = UserStore(dataDirectory: directory)
        let token = try store.add("rick")
        #expect(token.hasPrefix(UserStore.tokenPrefix) && token.count > 40)
        let file = try String(contentsOfFile: directory + "/users.json", encoding: .utf8)
        #expect(!file.contains(token) && !file.contains(String(token.dropFirst(4))))
        #expect(file.contains(Hex.encode(SHA256.hash(token))))
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/users.json")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(store.user(forToken: token)?.name == "rick")
        #expect(store.user(forToken: token + "x") == nil)
        #expect(store.user(forToken: "") == nil)
    }

    /// The lookup key compares all 32 bytes: digests differing in any one byte are different keys.
    @Test func tokenDigestsDifferingInAnyByteAreDifferentKeys() {
        let bytes = (0..<32).map { UInt8($0) }
        let key = TokenDigest(bytes)
        #expect(key != nil && TokenDigest(bytes) == key && TokenDigest(Array(bytes.dropLast())) == nil)
        for index in bytes.indices {
            var other = bytes
            other[index] ^= 0x80
            #expect(TokenDigest(other) != key, "byte \(index)")
        }
    }

    /// Devices send `Token` (InfluxDB's scheme) or `Bearer`, in any case, with blanks around the
    /// token; any other scheme, or a scheme without a token, presents none.
    @Test(
        arguments: [
            ("Token pbd_abc", "pbd_abc"), ("bearer pbd_abc", "pbd_abc"), ("TOKEN \t pbd_abc \t", "pbd_abc"),
            ("Token pbd_ä b", "pbd_ä b"), ("Basic pbd_abc", nil), ("Token", nil), ("Token  \t ", nil),
            ("Tokens pbd_abc", nil), (" Token pbd_abc", nil),
        ] as [(String, String?)])
    func aDeviceTokenIsReadFromEitherSchemeInAnyCase(header: String, token: String?) {
        #expect(DeviceToken.from(["Authorization": header]) == token)
        #expect(DeviceToken.from(["X-Authorization": header]) == nil)
    }

    /// Another process (the CLI) changes the file; a running server's store sees it at once.
    @Test func rotateAndRemoveTakeEffectImmediately() throws {
        let directory = temporaryDirectory()
        let server = UserStore(dataDirectory: directory)
        let cli = UserStore(dataDirectory: directory)
        let first = try cli.add("morty")
        #expect(server.user(forToken: first)?.name == "morty")
        let second = try cli.rotateToken("morty")
        #expect(server.user(forToken: first) == nil)
        #expect(server.user(forToken: second)?.name == "morty")
        try cli.remove("morty")
        #expect(server.user(forToken: second) == nil)
        #expect(throws: UserStoreError.notFound("morty")) { try cli.remove("morty") }
    }

    /// A users file replaced by other means (a restore, an editor) bumps no change count; the
    /// server's once-a-second look at the file notices it.
    @Test func aFileReplacedByHandIsNoticedWithinASecond() throws {
        let directory = temporaryDirectory()
        let server = UserStore(dataDirectory: directory)
        let token = try UserStore(dataDirectory: directory).add("summer")
        #expect(server.user(forToken: token)?.name == "summer")
        let path = directory + "/users.json"
        let renamed = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "\"summer\"", with: "\"beth\"")
        try renamed.write(toFile: path, atomically: true, encoding: .utf8)
        let deadline = Date().addingTimeInterval(3)
        while server.user(forToken: token)?.name != "beth" && Date() < deadline { usleep(50_000) }
        #expect(server.user(forToken: token)?.name == "beth")
    }

    @Test func duplicateNamesAreRefusedAndListIsComplete() throws {
        let store = UserStore(dataDirectory: temporaryDirectory())
        _ = try store.add("a")
        _ = try store.add("b")
        #expect(throws: UserStoreError.exists("a")) { try store.add("a") }
        #expect(try store.list().map(\.name) == ["a", "b"])
    }

    @Test(arguments: [#"O'Brien, "Rick" = C-137\Sanchez"#, "Zoë Ünal", "植物の友"])
    func awkwardButRepresentableNamesAreAccepted(name: String) throws {
        #expect(throws: Never.self) { try UserStore.validate(name) }
    }

    @Test(arguments: [
        "", " rick", "rick ", "a\nb", "a\tb", #"trailing\"#, #"a\,b"#, String(repeating: "x", count: 129),
    ])
    func namesThatCannotRoundTripAreRefused(name: String) {
        #expect(throws: UserStoreError.self) { try UserStore.validate(name) }
    }

    /// Concurrent writers (two CLI calls at once) must not lose each other's users.
    @Test func concurrentAddsAreAllKept() throws {
        let directory = temporaryDirectory()
        DispatchQueue.concurrentPerform(iterations: 16) { index in
            _ = try? UserStore(dataDirectory: directory).add("user\(index)")
        }
        #expect(try UserStore(dataDirectory: directory).list().count == 16)
    }
}
