import Foundation
import HTTPServer
import PlantBuddy
import TestSupport
import Testing

/// `/settings` as a person uses it, without a socket: forms with CSRF tokens, a clear message for a
/// bad form and nothing changed, hostile text stored exactly and escaped on the page.
@Suite struct SettingsPageTests {
    private static let noInfluxDB = "http://127.0.0.1:9"

    private struct Session {
        let probe: ProbedApp
        let cookie: String

        var csrf: String {
            get throws {
                let page = try probe.answer(.make(.get, "/settings", headers: [("Cookie", cookie)]))
                let marker = try #require(page.text.firstRange(of: #"name="csrf" value=""#))
                return String(page.text[marker.upperBound...].prefix { $0 != "\"" })
            }
        }

        func post(_ fields: [(String, String)], csrf: String? = nil) throws -> HTTPResponse {
            let token = try csrf ?? self.csrf
            let body = ([("csrf", token)] + fields).map { "\($0.0)=\(formEncoded($0.1))" }.joined(separator: "&")
            return try probe.answer(
                .make(
                    .post, "/settings",
                    headers: [("Cookie", cookie), ("Content-Type", "application/x-www-form-urlencoded")], body: body))
        }
    }

    private func withSession(_ body: (Session) throws -> Void) throws {
        try withProbedApp(influxURL: Self.noInfluxDB) { probe in
            _ = try probe.app.users.add("rick", passwordHash: testPasswordHash("pickle"))
            try body(Session(probe: probe, cookie: try probe.signIn("rick", password: "pickle")))
        }
    }

    @Test func signedOutVisitorsAreSentToSignIn() throws {
        try withProbedApp(influxURL: Self.noInfluxDB) { probe in
            let page = try probe.answer(.make(.get, "/settings"))
            #expect(page.status == .seeOther && page.header("Location") == "/login")
        }
    }

    @Test func aRuleAddedOnTheFormIsStoredAndListed() throws {
        try withSession { session in
            let added = try session.post([
                ("action", "add-rule"), ("sensor", "soil_moisture"), ("device", "01"), ("condition", "below"),
                ("value", "22.5"), ("channel", "webhook"),
            ])
            #expect(added.status == .ok)
            #expect(added.text.contains("Alert added: soil moisture at or below 22.5 on device 01."))
            let rules = try #require(session.probe.app.users.user(named: "rick")?.rules)
            #expect(rules.count == 1)
            #expect(rules[0].condition == .atOrBelow(22.5) && rules[0].deviceID == "01")
            #expect(rules[0].channels == [.page, .webhook])
            // The person's own soil rule replaces the default one in the list.
            #expect(!added.text.contains("(default)"))

            let removed = try session.post([("action", "remove-rule"), ("rule", rules[0].id)])
            #expect(removed.status == .ok && session.probe.app.users.user(named: "rick")?.rules == [])
            #expect(removed.text.contains("<em>(default)</em>"))
        }
    }

    @Test(arguments: [
        ([("condition", "below"), ("value", "wet")], "The value must be a number, such as 35."),
        ([("condition", "silent"), ("value", "10s")], "A silence must last from 1m to 7d."),
        (
            [("condition", "above"), ("value", "1e12")],
            "The value must be a number between -1000000000 and 1000000000."
        ),
        ([("condition", "below"), ("value", "5"), ("sensor", "nope")], "Unknown sensor "),
        ([("condition", "below"), ("value", "5"), ("device", "ABC")], "A device id is two letters or digits"),
    ])
    func aBadRuleGetsAMessageAndChangesNothing(fields: [(String, String)], message: String) throws {
        try withSession { session in
            var form = [("action", "add-rule"), ("sensor", "light"), ("device", "")]
            for (name, value) in fields {
                form.removeAll { $0.0 == name }
                form.append((name, value))
            }
            let response = try session.post(form)
            #expect(response.status == .badRequest)
            #expect(response.text.contains(message), "\(response.text)")
            #expect(session.probe.app.users.user(named: "rick")?.rules == nil)
        }
    }

    @Test func aFormWithoutItsCSRFTokenIsRefusedAndChangesNothing() throws {
        try withSession { session in
            let forged = try session.post(
                [("action", "name-device"), ("device", "01"), ("name", "Fern")], csrf: "forged")
            #expect(forged.status == .forbidden)
            #expect(session.probe.app.users.user(named: "rick")?.deviceNames == nil)
        }
    }

    /// A hostile device name is stored exactly and shown escaped, on this page and the home page.
    @Test func aHostileDeviceNameIsStoredExactlyAndEscapedWhereShown() throws {
        let hostile = #"</script><img src=x onerror=alert(1)> "'${r._value}\ &amp;"#
        try withSession { session in
            let named = try session.post([("action", "name-device"), ("device", "01"), ("name", hostile)])
            #expect(named.status == .ok)
            #expect(session.probe.app.users.user(named: "rick")?.deviceNames == ["01": hostile])
            #expect(!named.text.contains("<img") && !named.text.contains("</script><"))
            #expect(named.text.contains("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"))
            let withBreak = try session.post([("action", "name-device"), ("device", "02"), ("name", "a\r\nb")])
            #expect(withBreak.status == .badRequest && withBreak.text.contains("line breaks"))
        }
    }

    /// A new token is shown once; from then on only it works.
    @Test func rotatingTheTokenShowsTheNewOneOnce() throws {
        try withProbedApp(influxURL: Self.noInfluxDB) { probe in
            let old = try probe.app.users.add("rick", passwordHash: testPasswordHash("pickle"))
            let session = Session(probe: probe, cookie: try probe.signIn("rick", password: "pickle"))
            let rotated = try session.post([("action", "rotate-token")])
            let marker = try #require(rotated.text.firstRange(of: "<pre>"))
            let token = String(rotated.text[marker.upperBound...].prefix { $0 != "<" })
            #expect(token.hasPrefix("pbd_") && token != old)
            let write = { (token: String) in
                try probe.answer(.make(.post, "/write", headers: [("Authorization", "Token \(token)")], body: "01SM1"))
            }
            #expect(try write(old).status == .unauthorized)
            #expect(try write(token).status == .noContent)
            #expect(
                try !probe.answer(.make(.get, "/settings", headers: [("Cookie", session.cookie)])).text.contains(token))
        }
    }

    @Test func theTestButtonReachesTheWebhook() throws {
        let receiver = try ReplayServer { _ in .text(.ok, "ok") }
        defer { receiver.stop() }
        try withSession { session in
            let saved = try session.post([("action", "channels"), ("webhook", receiver.url + "/hook"), ("email", "")])
            #expect(saved.status == .ok)
            #expect(try session.post([("action", "test")]).text.contains("A test alert is on its way"))
            try waitUntil("the test alert reaches the webhook") { receiver.requests.contains { $0.path == "/hook" } }
            let bad = try session.post([("action", "channels"), ("webhook", "ftp://x"), ("email", "")])
            #expect(
                bad.status == .badRequest
                    && session.probe.app.users.user(named: "rick")?.channels?.webhook == receiver.url + "/hook")
        }
    }
}
