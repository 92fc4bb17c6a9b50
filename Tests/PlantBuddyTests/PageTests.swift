import CurlClient
import Foundation
import HTTPServer
import InfluxClient
import PlantBuddy
import Synchronization
import TestSupport
import Testing

/// A browser's view of sign-in and the home page, through the real server.
@Suite struct PageTests {
    /// What a browser holds after opening /login: the `pb_login` cookie and the form's CSRF token.
    static func loginForm(_ gateway: Gateway) throws -> (cookie: String, csrf: String) {
        let page = try gateway.get("/login")
        let cookie = String(try #require(page.header("Set-Cookie")?.split(separator: ";").first))
        let marker = #"name="csrf" value=""#
        let start = try #require(page.bodyText.firstRange(of: marker)).upperBound
        let csrf = String(page.bodyText[start...].prefix { $0 != "\"" })
        return (cookie, csrf)
    }

    static func signIn(_ gateway: Gateway, user: String, password: String, csrf: Bool = true) throws
        -> HTTPClientResponse
    {
        let form = try loginForm(gateway)
        return try post(
            gateway, "/login", ["username": user, "password": password, "csrf": csrf ? form.csrf : "forged"],
            cookie: form.cookie)
    }

    static func post(_ gateway: Gateway, _ path: String, _ fields: [String: String], cookie: String?) throws
        -> HTTPClientResponse
    {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
            .joined(separator: "&")
        var headers = [("Content-Type", "application/x-www-form-urlencoded")]
        if let cookie { headers.append(("Cookie", cookie)) }
        return try gateway.http.send(
            HTTPClientRequest(
                method: "POST", url: "http://127.0.0.1:\(gateway.port)\(path)", headers: headers, body: Array(body.utf8)
            ))
    }

    /// The `name=value` part of a Set-Cookie header, as a browser would send it back.
    static func session(_ gateway: Gateway, user: String, password: String) throws -> String {
        let response = try signIn(gateway, user: user, password: password)
        #expect(response.status == 303)
        return String(try #require(response.header("Set-Cookie")?.split(separator: ";").first))
    }

    static func page(_ gateway: Gateway, cookie: String?, path: String = "/") throws -> HTTPClientResponse {
        try gateway.http.send(
            HTTPClientRequest(
                url: "http://127.0.0.1:\(gateway.port)\(path)", headers: cookie.map { [("Cookie", $0)] } ?? []))
    }

    @Test func signInSetsASessionCookieAndWrongPasswordsAre401() throws {
        let influxd = try InfluxDServer.shared()
        try withGateway(influxURL: influxd.url, database: try influxd.createDatabase("pages")) { gateway in
            _ = try gateway.app.users.add("rick", passwordHash: testPasswordHash("pickle"))
            let wrong = try Self.signIn(gateway, user: "rick", password: "cucumber")
            #expect(wrong.status == 401 && wrong.header("Set-Cookie") == nil)
            #expect(wrong.bodyText.contains("Unknown user name or wrong password."))
            #expect(try Self.signIn(gateway, user: "nobody", password: "pickle").status == 401)
            let right = try Self.signIn(gateway, user: "rick", password: "pickle")
            #expect(right.status == 303 && right.header("Location") == "/")
            let cookie = right.header("Set-Cookie") ?? ""
            #expect(cookie.hasPrefix("pb_session=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"))
            let session = String(cookie.split(separator: ";")[0])
            let forged = try Self.post(gateway, "/logout", ["csrf": "forged"], cookie: session)
            #expect(forged.status == 403)
            let page = try Self.page(gateway, cookie: session).bodyText
            let start = try #require(page.firstRange(of: #"name="csrf" value=""#)).upperBound
            let token = String(page[start...].prefix { $0 != "\"" })
            let logout = try Self.post(gateway, "/logout", ["csrf": token], cookie: session)
            #expect(logout.status == 303 && logout.header("Set-Cookie")?.contains("Max-Age=0") == true)
        }
    }

    @Test func homeNeedsAValidUntamperedSession() throws {
        let influxd = try InfluxDServer.shared()
        try withGateway(influxURL: influxd.url, database: try influxd.createDatabase("tamper")) { gateway in
            _ = try gateway.app.users.add("rick", passwordHash: testPasswordHash("pickle"))
            _ = try gateway.app.users.add("morty", passwordHash: testPasswordHash("jessica"))
            let cookie = try Self.session(gateway, user: "rick", password: "pickle")
            #expect(try Self.page(gateway, cookie: cookie).status == 200)
            let anonymous = try Self.page(gateway, cookie: nil)
            #expect(anonymous.status == 303 && anonymous.header("Location") == "/login")
            // Rewrite the payload to claim another user, keeping the signature: refused.
            let value = cookie.dropFirst("pb_session=".count)
            let parts = value.split(separator: ".")
            let forged = Data("v1\n9999999999\nmorty".utf8).base64EncodedString()
                .replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_")
            #expect(try Self.page(gateway, cookie: "pb_session=\(forged).\(parts[1])").status == 303)
            #expect(try Self.page(gateway, cookie: "pb_session=\(parts[0]).AAAA").status == 303)
            #expect(try Self.page(gateway, cookie: "pb_session=garbage").status == 303)
            // A removed user's cookie stops working at once.
            try gateway.app.users.remove("rick")
            #expect(try Self.page(gateway, cookie: cookie).status == 303)
        }
    }

    /// Written through /write, read through InfluxQL on the real InfluxDB 1.x, seen on the page.
    @Test func readingsWrittenByADeviceAppearOnItsOwnersPageOnly() throws {
        let influxd = try InfluxDServer.shared()
        let database = try influxd.createDatabase("page_e2e")
        // Names that try to break out of InfluxQL string literals and Flux strings.
        let hostile = #"x' OR "user"='rick' -- \" or true or ""#
        // Readings stamped now, so the 48-hour page shows them.
        try withGateway(influxURL: influxd.url, database: database, clock: ReadingClock()) { gateway in
            let rick = try gateway.app.users.add("rick", passwordHash: testPasswordHash("pickle"))
            let other = try gateway.app.users.add(hostile, passwordHash: testPasswordHash("evil"))
            #expect(try gateway.post("01SM144\n01LI812\n02SM071", token: rick).status == 204)
            #expect(try gateway.post("09SM999\n09HU998", token: other).status == 204)
            try gateway.waitUntilDelivered()

            let rickPage = try Self.page(gateway, cookie: try Self.session(gateway, user: "rick", password: "pickle"))
            #expect(rickPage.status == 200)
            let html = rickPage.bodyText
            #expect(html.contains(#"<g class="panel" data-title="soil_moisture">"#))
            #expect(html.contains(#"<g class="panel" data-title="light">"#))
            #expect(html.contains(#"<td class="value">144</td>"#) && html.contains(#"<td class="value">71</td>"#))
            #expect(!html.contains("999") && !html.contains("998") && !html.contains("humidity"))

            let otherPage = try Self.page(gateway, cookie: try Self.session(gateway, user: hostile, password: "evil"))
                .bodyText
            #expect(otherPage.contains(#"<td class="value">999</td>"#))
            #expect(!otherPage.contains(#"<td class="value">144</td>"#) && !otherPage.contains("data-title=\"light\""))
            #expect(otherPage.contains("x&#39; OR &quot;user&quot;=&#39;rick&#39;"))  // the name, escaped
        }
    }

    @Test func emptyStateShowsHowToConnectADevice() throws {
        let influxd = try InfluxDServer.shared()
        try withGateway(influxURL: influxd.url, database: try influxd.createDatabase("empty")) { gateway in
            _ = try gateway.app.users.add("new", passwordHash: testPasswordHash("pw"))
            let html = try Self.page(gateway, cookie: try Self.session(gateway, user: "new", password: "pw")).bodyText
            #expect(html.contains("No readings yet"))
            #expect(html.contains("POST http://127.0.0.1:\(gateway.port)/write"))
            #expect(!html.contains("<svg"))
        }
    }

    @Test func unreachableDatabaseStillRendersThePageWithAnError() throws {
        let closed = try ClosedPort()
        try withGateway(influxURL: "http://127.0.0.1:\(closed.port)", database: "nowhere") { gateway in
            _ = try gateway.app.users.add("rick", passwordHash: testPasswordHash("pickle"))
            let page = try Self.page(gateway, cookie: try Self.session(gateway, user: "rick", password: "pickle"))
            #expect(page.status == 200)
            #expect(page.bodyText.contains(#"role="alert">The readings cannot be shown right now"#))
            #expect(try gateway.get("/metrics").bodyText.contains("plantbuddy_influx_query_errors_total 1"))
        }
    }

    /// InfluxDB 2.x cannot run here: a loopback server replays the annotated CSV bytes 2.x sends for
    /// the graph query; the test checks the request the gateway made and the chart it drew.
    @Test func fluxPathReplayingRecorded2xAnnotatedCSV() throws {
        let now = Date().timeIntervalSince1970
        func rfc3339(_ secondsAgo: Double) -> String {
            Timestamp(seconds: Int64(now - secondsAgo)).description
        }
        let csv =
            "#datatype,string,long,dateTime:RFC3339,double,string,string\r\n"
            + "#group,false,false,false,false,true,true\r\n#default,readings,,,,,\r\n"
            + ",result,table,_time,_value,_measurement,device_id\r\n"
            + ",,0,\(rfc3339(600)),41.5,soil_moisture,01\r\n,,0,\(rfc3339(300)),40,soil_moisture,01\r\n"
            + ",,1,\(rfc3339(600)),612,light,01\r\n,,1,\(rfc3339(300)),640.25,light,01\r\n\r\n"
        let replay = try ReplayServer { request in
            if request.path == "/ping" {
                return HTTPResponse(status: .noContent, headers: ["X-Influxdb-Version": "v2.7.12"])
            }
            return HTTPResponse(status: .ok, contentType: "text/csv; charset=utf-8", body: csv)
        }
        defer { replay.stop() }
        let user = #"x" or true or "${r._value}"#
        try withGateway(
            influxURL: replay.url, database: "plants",
            configure: {
                $0.influx.org = "my org"
                $0.influx.token = "secret-token"
            }
        ) { gateway in
            _ = try gateway.app.users.add(user, passwordHash: testPasswordHash("pw"))
            let html = try Self.page(gateway, cookie: try Self.session(gateway, user: user, password: "pw")).bodyText
            #expect(html.contains(#"<g class="panel" data-title="soil_moisture">"#))
            #expect(html.contains(#"<td class="value">640.2</td>"#) || html.contains(#"<td class="value">640.3</td>"#))
        }
        let query = try #require(replay.requests.first { $0.path == "/api/v2/query" })
        #expect(query.method == .post && query.target == "/api/v2/query?org=my%20org")
        #expect(query.headers["Authorization"] == "Token secret-token")
        #expect(query.headers["Accept"] == "application/csv")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(query.body)) as? [String: Any])
        let script = try #require(body["query"] as? String)
        #expect(script.hasPrefix(#"bucket = "plants""# + "\n" + #"user = "x\" or true or \"\x24{r._value}""# + "\n"))
        #expect(script.contains("start = -48h\nevery = 5m\n"))
        let dialect = try #require(body["dialect"] as? [String: Any])
        #expect(dialect["annotations"] as? [String] == ["datatype", "group", "default"])
    }

    /// The latest table shows what each device last sent, as sent and with its own time, not the
    /// mean of the chart's window (real InfluxDB 1.x).
    @Test func latestReadingsAreTheLastReadingsAsSent() throws {
        let influxd = try InfluxDServer.shared()
        try withGateway(influxURL: influxd.url, database: try influxd.createDatabase("latest"), clock: ReadingClock()) {
            gateway in
            let token = try gateway.app.users.add("rick", passwordHash: testPasswordHash("pickle"))
            #expect(try gateway.post("01SM580\r\n01SM581", token: token).status == 204)
            let before = Date()
            #expect(try gateway.post("01SM586", token: token).status == 204)
            let after = Date()
            try gateway.waitUntilDelivered()
            let html = try Self.page(gateway, cookie: try Self.session(gateway, user: "rick", password: "pickle"))
                .bodyText
            #expect(html.contains(#"<td class="value">586</td>"#), "the last reading as sent, not a mean (582.3)")
            let minutes = [before, after].map {
                String(Timestamp(seconds: Int64($0.timeIntervalSince1970)).description.prefix(16))
                    .replacingOccurrences(of: "T", with: " ")
            }
            #expect(minutes.contains { html.contains("<td>\($0)") }, "its own time")
            #expect(html.contains(#"<span class="ago">(just now)</span>"#))
        }
    }
}
