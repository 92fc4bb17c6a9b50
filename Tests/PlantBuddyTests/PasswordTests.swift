import Foundation
import HTTPServer
import Testing

@testable import PlantBuddy

@Suite struct PasswordTests {
    @Test func hashVerifiesOnlyTheSamePassword() {
        let hasher = PasswordHasher(iterations: 1000)
        let stored = hasher.hash("hunter2")
        #expect(stored.hasPrefix("pbkdf2-sha256$1000$"))
        #expect(PasswordHasher.verify("hunter2", against: stored))
        #expect(!PasswordHasher.verify("hunter3", against: stored))
        #expect(!PasswordHasher.verify("hunter2", against: "pbkdf2-sha256$1000$bad$bad"))
        #expect(hasher.hash("hunter2") != stored)  // a new salt each time
    }
}

@Suite struct SessionTests {
    let signer = SessionSigner(key: Array(repeating: 7, count: 32), lifetime: .seconds(3600), secureCookies: true)

    private func headers(_ setCookie: String) -> HTTPHeaders {
        ["Cookie": "theme=dark; " + String(setCookie.split(separator: ";")[0])]
    }

    @Test func cookieNamesItsUserUntilItExpires() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let cookie = signer.cookie(for: "rick; admin=1", now: now)
        #expect(cookie.contains("; Secure") && cookie.contains("Max-Age=3600"))
        #expect(signer.user(from: headers(cookie), now: now) == "rick; admin=1")
        #expect(signer.user(from: headers(cookie), now: now.addingTimeInterval(3599)) == "rick; admin=1")
        #expect(signer.user(from: headers(cookie), now: now.addingTimeInterval(3601)) == nil)
    }

    @Test func anotherKeyRejectsTheCookie() {
        let cookie = signer.cookie(for: "rick")
        let rotated = SessionSigner(key: Array(repeating: 8, count: 32), lifetime: .seconds(3600), secureCookies: false)
        #expect(rotated.user(from: headers(cookie)) == nil)
        #expect(signer.user(from: headers(cookie)) == "rick")
    }
}
