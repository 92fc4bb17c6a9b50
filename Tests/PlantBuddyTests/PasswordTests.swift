import Foundation
import HTTPServer
import InfluxClient
import Observability
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

@Suite struct GraphQueryTests {
    private func source(downsampled: String) -> ReadingsSource {
        ReadingsSource(
            influx: InfluxDBClient(configuration: InfluxConfiguration(url: "http://127.0.0.1:1", bucket: "raw")),
            graphScript: "from(bucket: bucket)", latestScript: "from(bucket: bucket)", catalog: .standard,
            downsampledBucket: downsampled, logger: Logger(level: .error))
    }

    /// Short ranges read raw data per window; long ones the downsampled bucket once it exists.
    @Test func rangeChoosesBucketAndWindow() {
        #expect(source(downsampled: "").fluxScript(for: "rick", range: .month).hasPrefix("bucket = \"raw\"\n"))
        let long = source(downsampled: "downsampled").fluxScript(for: "rick", range: .month)
        #expect(long.hasPrefix("bucket = \"downsampled\"\nuser = \"rick\"\nstart = -30d\nevery = 1h\n"))
        let short = source(downsampled: "downsampled").fluxScript(for: "rick", range: .sixHours)
        #expect(short.hasPrefix("bucket = \"raw\"\nuser = \"rick\"\nstart = -6h\nevery = 1m\n"))
    }

    @Test func influxQLEscapesTheUserAndNamesTheSensors() {
        let query = source(downsampled: "").influxQL(for: #"x' OR 'a'='a"#, range: .twoDays)
        #expect(query.contains(#"WHERE "user" = 'x\' OR \'a\'=\'a' AND time >= now() - 48h"#))
        #expect(query.contains(#"FROM "air_temp","humidity","light","soil_moisture","soil_temp""#))
        #expect(query.hasSuffix(#"GROUP BY time(5m), "device_id" fill(none)"#))
    }
}
