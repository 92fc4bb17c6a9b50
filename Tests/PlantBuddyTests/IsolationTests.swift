import CurlClient
import Foundation
import HTTPServer
import InfluxClient
import PlantBuddy
import TestSupport
import Testing

/// Two users with hostile names write and read side by side through every surface; neither sees or
/// writes the other's data, and nothing hostile reaches HTML, SVG, Flux or InfluxQL unescaped.
@Suite struct IsolationTests {
    static let hostileNames = [
        #"x" or true or ""#, #"x' OR "user"='y' --"#, #"${r._value} /* c */ // c"#, #"back\slash <b>&amp;</b>"#,
        "Ünïcødé 植物 " + String(repeating: "é", count: 40),
    ]

    @Test func hostileUsersSeeAndWriteOnlyTheirOwnData() throws {
        let influxd = try InfluxDServer.shared()
        let database = try influxd.createDatabase("isolation")
        try withGateway(influxURL: influxd.url, database: database, clock: ReadingClock()) { gateway in
            var tokens: [String: String] = [:]
            for (index, name) in Self.hostileNames.enumerated() {
                tokens[name] = try gateway.app.users.add(name, passwordHash: testPasswordHash("pw\(index)"))
                #expect(try gateway.post("0\(index)SM\(100 + index)", token: tokens[name]).status == 204)
            }
            // Line protocol naming another user is refused; device ids cannot smuggle tags.
            let first = Self.hostileNames[0]
            let second = Self.hostileNames[1]
            let claim = "soil_moisture,user=\(try LineProtocol.escape(second, as: .tagValue)) reading=999i"
            let refused = try gateway.http.send(
                HTTPClientRequest(
                    method: "POST", url: "http://127.0.0.1:\(gateway.port)/api/v2/write",
                    headers: [("Authorization", "Token \(tokens[first]!)")], body: Array(claim.utf8)))
            #expect(refused.status == 400)
            let hostileDevices: [UInt8] = Array("',SM1\n\" SM1\n".utf8) + [0xff, 0xfe, 0x53, 0x4d, 0x31]
            let devices = try gateway.http.send(
                HTTPClientRequest(
                    method: "POST", url: "http://127.0.0.1:\(gateway.port)/write",
                    headers: [("Authorization", "Token \(tokens[first]!)")], body: hostileDevices))
            #expect(devices.status == 400)
            try gateway.waitUntilDelivered()

            for (index, name) in Self.hostileNames.enumerated() {
                let cookie = try PageTests.session(gateway, user: name, password: "pw\(index)")
                let html = try PageTests.page(gateway, cookie: cookie, path: "/?range=48h%22%3E%3Cscript%3E").bodyText
                let others = Self.hostileNames.indices.filter { $0 != index }
                #expect(html.contains(#"<td class="value">\#(100 + index)</td>"#), "\(name) sees own reading")
                for other in others { #expect(!html.contains(#"<td class="value">\#(100 + other)</td>"#)) }
                #expect(!html.contains("999"))
                #expect(!html.contains("<script") && !html.contains("<b>"))
                #expect(html.contains(#"aria-current="page">48h"#))  // an unknown range falls back, unreflected
            }
            // The stored points carry exactly the writer's name.
            let stored = try influxd.rows(#"SELECT "user", reading FROM soil_moisture"#, database: database)
            #expect(Set(stored.compactMap { $0.1["user"] as? String }) == Set(Self.hostileNames))
            #expect(stored.count == Self.hostileNames.count)
        }
    }

    /// Request headers are not trusted: a forged proxy header or cookie signs nobody in, and a hostile
    /// Host header is escaped where the page shows it.
    @Test func hostileHeadersAreInert() throws {
        let influxd = try InfluxDServer.shared()
        try withGateway(influxURL: influxd.url, database: try influxd.createDatabase("headers")) { gateway in
            _ = try gateway.app.users.add("victim", passwordHash: testPasswordHash("pw"))
            let forged = try gateway.http.send(
                HTTPClientRequest(
                    url: "http://127.0.0.1:\(gateway.port)/",
                    headers: [("X-Forwarded-User", "victim"), ("Cookie", "pb_session=dmljdGlt.AAAA; pb_session=x")]))
            #expect(forged.status == 303)
            let cookie = try PageTests.session(gateway, user: "victim", password: "pw")
            let connection = try RawConnection(port: gateway.port)
            try connection.send("GET / HTTP/1.1\r\nHost: <img src=x onerror=alert(1)>\r\nCookie: \(cookie)\r\n\r\n")
            let page = try connection.readResponse().bodyText
            #expect(page.contains("POST http://&lt;img src=x onerror=alert(1)&gt;/write"))
            #expect(!page.contains("<img"))
        }
    }

    @Test func namesThatCannotBeStoredExactlyAreRefusedUpFront() {
        for name in ["line\nbreak", "carriage\rreturn", "bell\u{7}", #"trailing\"#, String(repeating: "x", count: 200)]
        {
            #expect(throws: UserStoreError.self) { try UserStore.validate(name) }
        }
    }
}
