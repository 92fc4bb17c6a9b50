import CurlClient
import Foundation
import HTTPServer
import InfluxClient
import PlantBuddy
import TestSupport
import Testing

/// A browser's view of sign-in and the home page, through the real server and a real influxd.
@Suite struct PageTests {
    static func signIn(_ gateway: Gateway, user: String, password: String) throws -> HTTPClientResponse {
        var form = "username=" + (user.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        form += "&password=" + (password.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        return try gateway.http.send(
            HTTPClientRequest(
                method: "POST", url: "http://127.0.0.1:\(gateway.port)/login",
                headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(form.utf8)))
    }

    @Test func signInSetsASessionCookieAndWrongPasswordsAre401() throws {
        let influxd = try InfluxDServer.shared()
        let database = try influxd.createDatabase("pages")
        try withGateway(influxURL: influxd.url, database: database) { gateway in
            _ = try gateway.app.users.add("rick", passwordHash: testPasswordHash("pickle"))
            let wrong = try Self.signIn(gateway, user: "rick", password: "cucumber")
            #expect(wrong.status == 401)
            #expect(wrong.header("Set-Cookie") == nil)
            let right = try Self.signIn(gateway, user: "rick", password: "pickle")
            #expect(right.status == 303)
            #expect(right.header("Location") == "/")
            let cookie = try #require(right.header("Set-Cookie"))
            #expect(cookie.hasPrefix("pb_session=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"))
        }
    }
}
