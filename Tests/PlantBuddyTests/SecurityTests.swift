import CurlClient
import Foundation
import HTTPServer
import Hashing
import PlantBuddy
import TestSupport
import Testing

/// Forged forms, guessing passwords, proxy sign-in, and the headers that keep pages inert.
@Suite struct SecurityTests {
    @Test func signInWithoutTheFormsTokenIsRefused() throws {
        let influxd = try InfluxDServer.shared()
        try withGateway(influxURL: influxd.url, database: "unused") { gateway in
            _ = try gateway.app.users.add("rick", passwordHash: testPasswordHash("pickle"))
            let forged = try PageTests.signIn(gateway, user: "rick", password: "pickle", csrf: false)
            #expect(forged.status == 403 && forged.header("Set-Cookie")?.hasPrefix("pb_session") != true)
            // Another site can post the form but cannot read our cookie: no cookie, no sign-in.
            let form = try PageTests.loginForm(gateway)
            let cookieless = try PageTests.post(
                gateway, "/login", ["username": "rick", "password": "pickle", "csrf": form.csrf], cookie: nil)
            #expect(cookieless.status == 403)
        }
    }

    @Test func repeatedFailuresArePausedPerUserAndPerAddress() throws {
        let influxd = try InfluxDServer.shared()
        try withGateway(influxURL: influxd.url, database: "unused", configure: { $0.loginAttempts = 3 }) { gateway in
            _ = try gateway.app.users.add("rick", passwordHash: testPasswordHash("pickle"))
            _ = try gateway.app.users.add("morty", passwordHash: testPasswordHash("jessica"))
            for _ in 0..<3 { #expect(try PageTests.signIn(gateway, user: "rick", password: "wrong").status == 401) }
            let paused = try PageTests.signIn(gateway, user: "rick", password: "pickle")
            #expect(paused.status == 429)
            #expect(Int(paused.header("Retry-After") ?? "") ?? 0 > 0)
            // The same client address is paused for other names too.
            #expect(try PageTests.signIn(gateway, user: "morty", password: "jessica").status == 429)
            #expect(try gateway.get("/metrics").bodyText.contains(#"plantbuddy_logins_total{result="throttled"} 2"#))
        }
    }

    @Test func proxyHeaderSignsInOnlyFromTrustedAddresses() throws {
        let influxd = try InfluxDServer.shared()
        let database = try influxd.createDatabase("proxy")
        for (trusted, expected) in [("127.0.0.1", 200), ("10.9.9.9", 303)] {
            try withGateway(
                influxURL: influxd.url, database: database,
                configure: {
                    $0.proxyUserHeader = "X-Forwarded-User"
                    $0.trustedProxies = [trusted]
                }
            ) { gateway in
                _ = try gateway.app.users.add("sso-user")
                let page = try gateway.http.send(
                    HTTPClientRequest(
                        url: "http://127.0.0.1:\(gateway.port)/", headers: [("X-Forwarded-User", "sso-user")]))
                #expect(page.status == expected, "trusted \(trusted)")
                let unknown = try gateway.http.send(
                    HTTPClientRequest(
                        url: "http://127.0.0.1:\(gateway.port)/", headers: [("X-Forwarded-User", "nobody")]))
                #expect(unknown.status == 303)
            }
        }
    }

    /// No script may run, the inline style is allowed by its exact hash, and nothing may frame the page.
    @Test func pagesCarrySecurityHeaders() throws {
        let influxd = try InfluxDServer.shared()
        try withGateway(influxURL: influxd.url, database: "unused") { gateway in
            let login = try gateway.get("/login")
            let policy = try #require(login.header("Content-Security-Policy"))
            #expect(policy.contains("default-src 'none'") && policy.contains("frame-ancestors 'none'"))
            #expect(!policy.contains("script-src") && !policy.contains("unsafe-inline"))
            let body = login.bodyText
            let style = body[
                try #require(body.firstRange(of: "<style>"))
                    .upperBound..<(try #require(body.firstRange(of: "</style>")).lowerBound)]
            #expect(policy.contains("'sha256-\(Data(SHA256.hash(style.utf8)).base64EncodedString())'"))
            #expect(login.header("X-Content-Type-Options") == "nosniff")
            #expect(login.header("Referrer-Policy") == "same-origin")
            #expect(!body.contains("<script"))
        }
    }

    /// A token rotated or revoked by the CLI (another process's store) stops working at once.
    @Test func rotatedAndRevokedTokensStopWorkingAtOnce() throws {
        let influxd = try InfluxDServer.shared()
        try withGateway(influxURL: influxd.url, database: try influxd.createDatabase("rotate")) { gateway in
            let cli = UserStore(dataDirectory: gateway.app.configuration.dataDirectory)
            let old = try cli.add("rick")
            #expect(try gateway.post("01SM1", token: old).status == 204)
            let new = try cli.rotateToken("rick")
            #expect(try gateway.post("01SM2", token: old).status == 401)
            #expect(try gateway.post("01SM3", token: new).status == 204)
            try cli.remove("rick")
            #expect(try gateway.post("01SM4", token: new).status == 401)
            let v2 = try gateway.http.send(
                HTTPClientRequest(
                    method: "POST", url: "http://127.0.0.1:\(gateway.port)/api/v2/write",
                    headers: [("Authorization", "Token \(new)")], body: Array("m v=1i".utf8)))
            #expect(v2.status == 401 && !v2.bodyText.contains(new))
        }
    }

    /// On one keep-alive connection (where the gateway remembers the token that found a user), every
    /// request is still judged by its own token: another user's token writes as that user, a wrong
    /// or rotated one is refused, on both write endpoints.
    @Test func eachRequestOnAKeepAliveConnectionIsJudgedByItsOwnToken() throws {
        let influxd = try InfluxDServer.shared()
        let database = try influxd.createDatabase("keepalive")
        try withGateway(influxURL: influxd.url, database: database) { gateway in
            let cli = UserStore(dataDirectory: gateway.app.configuration.dataDirectory)
            let rick = try cli.add("rick")
            let morty = try cli.add("morty")
            let connection = try RawConnection(port: gateway.port)
            func post(_ path: String, _ token: String, _ body: String) throws -> Int {
                try connection.send(
                    "POST \(path) HTTP/1.1\r\nHost: x\r\nAuthorization: Token \(token)\r\n"
                        + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)")
                return try connection.readResponse().status
            }
            #expect(try post("/write", rick, "01SM011") == 204)
            // The same device and sensor as rick's: what the connection keeps for one user's series
            // must not name them in another's.
            #expect(try post("/write", morty, "01SM021") == 204)
            #expect(try post("/write", rick, "01SM012") == 204)
            #expect(try post("/write", rick + "x", "01SM013") == 401)
            #expect(try post("/write", String(rick.dropLast()) + "x", "01SM014") == 401)
            // The connection remembers rick's token (and whom it found) when it is rotated.
            let rotated = try cli.rotateToken("rick")
            #expect(try post("/write", rick, "01SM015") == 401)
            #expect(try post("/api/v2/write?bucket=b", rotated, "soil_moisture,device_id=01 reading=16i") == 204)
            #expect(try post("/api/v2/write?bucket=b", rick, "soil_moisture,device_id=01 reading=17i") == 401)
            try waitUntil("the accepted readings are stored") {
                try storedPoints(influxd, database: database).count == 4
            }
            let stored = try storedPoints(influxd, database: database).map {
                "\($0.user) \($0.deviceID) \($0.reading)"
            }
            #expect(stored == ["rick 01 11", "morty 01 21", "rick 01 12", "rick 01 16"])
        }
    }

    /// Replacing `<data dir>/session.key` signs everyone out.
    @Test func newSessionKeyInvalidatesSessions() throws {
        let influxd = try InfluxDServer.shared()
        let directory = ScratchDirectory.path("session-key")
        var cookie = ""
        try withGateway(influxURL: influxd.url, database: "unused", configure: { $0.dataDirectory = directory }) {
            gateway in
            _ = try gateway.app.users.add("rick", passwordHash: testPasswordHash("pickle"))
            cookie = try PageTests.session(gateway, user: "rick", password: "pickle")
            #expect(try PageTests.page(gateway, cookie: cookie).status == 200)
        }
        let key = try Data(contentsOf: URL(fileURLWithPath: directory + "/session.key"))
        #expect(key.count == 32)
        try FileManager.default.removeItem(atPath: directory + "/session.key")
        try withGateway(influxURL: influxd.url, database: "unused", configure: { $0.dataDirectory = directory }) {
            gateway in
            #expect(try PageTests.page(gateway, cookie: cookie).status == 303)
            let newKey = try Data(contentsOf: URL(fileURLWithPath: directory + "/session.key"))
            #expect(newKey != key)
        }
    }
}
