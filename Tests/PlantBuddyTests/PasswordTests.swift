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
