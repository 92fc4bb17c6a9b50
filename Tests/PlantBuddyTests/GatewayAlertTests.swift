import CurlClient
import Foundation
import HTTPServer
import PlantBuddy
import TestSupport
import Testing

/// The gateway's own alerts, against the real InfluxDB 1.x (which has no task engine): rules set
/// by the CLI's store calls, readings through `/write`, alerts at a loopback webhook and on the page.
@Suite(.serialized) struct GatewayAlertTests {
    /// A loopback webhook receiver; it remembers every call.
    struct Hooks {
        let server = try! ReplayServer { _ in .text(.ok, "ok") }

        /// The JSON bodies posted to `path`, in order.
        func calls(_ path: String) -> [[String: String]] {
            server.requests.filter { $0.path == path }.map { request in
                (try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: String]) ?? [:]
            }
        }
    }

    private func configure(_ configuration: inout Configuration) {
        configuration.alertLimits.minSilenceSeconds = 1
        configuration.notifyRetry = .milliseconds(50)
    }

    private func addUser(_ gateway: Gateway, _ name: String, hook: String) throws -> String {
        let token = try gateway.app.users.add(name)
        try gateway.app.users.setChannels(NotificationChannels(webhook: hook), for: name)
        return token
    }

    @Test func eachTransitionIsSentOnceAndOnlyToItsOwner() throws {
        let influxd = try InfluxDServer.shared()
        let hooks = Hooks()
        defer { hooks.server.stop() }
        try withGateway(
            influxURL: influxd.url, database: try influxd.createDatabase("alerts"), clock: ReadingClock(),
            configure: configure
        ) { gateway in
            let rick = try addUser(gateway, "rick", hook: hooks.server.url + "/rick")
            try gateway.app.users.setPasswordHash(testPasswordHash("pickle"), for: "rick")
            let morty = try addUser(gateway, "morty", hook: hooks.server.url + "/morty")
            // The operator's way: the CLI, as a separate process would run it, on the same data directory.
            var printed: [String] = []
            let status = Command.run(
                ["rules", "add", "rick", "--sensor", "soil_moisture", "--device", "01", "--below", "30"],
                environment: ["PLANTBUDDY_DATA_DIR": gateway.app.configuration.dataDirectory],
                output: { printed.append($0) }, errors: { _ in })
            #expect(status == 0 && printed.count == 1)
            let rule = try #require(gateway.app.users.user(named: "rick")?.rules?.first)
            #expect(rule.id == printed.first)
            try waitUntil("the gateway knows InfluxDB is 1.x") { gateway.app.evaluatesAlerts }

            #expect(try gateway.post("01SM020\r\n02SM020", token: rick).status == 204)  // 02: rick's rule names 01
            try waitUntil("rick's alert arrives") { hooks.calls("/rick").count == 1 }
            let alert = hooks.calls("/rick")[0]
            #expect(alert["level"] == "crit" && alert["device_id"] == "01" && alert["sensor"] == "soil_moisture")
            #expect(alert["check_id"] == rule.id && alert["user"] == "rick")
            #expect(alert["message"] == "device 01: soil moisture 20 (at or below 30)")
            let cookie = try PageTests.session(gateway, user: "rick", password: "pickle")
            let attention = try PageTests.page(gateway, cookie: cookie).bodyText
            #expect(attention.contains("<h2>Needs attention now</h2>"))
            #expect(attention.contains("<li>device 01: soil moisture 20 (at or below 30) <time>since "))

            // Still dry: no new alert. Morty's low reading is judged by the default rule (35), his own.
            #expect(try gateway.post("01SM019\r\n01SM018", token: rick).status == 204)
            #expect(try gateway.post("05SM010", token: morty).status == 204)
            try waitUntil("morty's alert arrives") { hooks.calls("/morty").count == 1 }
            #expect(hooks.calls("/morty")[0]["message"] == "device 05: soil moisture 10 (at or below 35)")

            #expect(try gateway.post("01SM055", token: rick).status == 204)
            try waitUntil("rick's recovery arrives") { hooks.calls("/rick").count == 2 }
            #expect(hooks.calls("/rick")[1]["level"] == "ok")
            #expect(
                hooks.calls("/rick")[1]["message"] == "device 01: soil moisture recovered, 55 (rule: at or below 30)")
            #expect(hooks.calls("/rick").count == 2 && hooks.calls("/morty").count == 1)
            #expect(!(try PageTests.page(gateway, cookie: cookie).bodyText.contains("Needs attention now")))
        }
    }

    @Test func aSilentDeviceAlertsOnceAndRecoversWhenItSpeaks() throws {
        let influxd = try InfluxDServer.shared()
        let hooks = Hooks()
        defer { hooks.server.stop() }
        try withGateway(
            influxURL: influxd.url, database: try influxd.createDatabase("silence"), clock: ReadingClock(),
            configure: configure
        ) { gateway in
            let rick = try addUser(gateway, "rick", hook: hooks.server.url + "/rick")
            try gateway.app.users.setPasswordHash(testPasswordHash("pickle"), for: "rick")
            // A person's way: the settings page's forms, over the socket, with the form's CSRF token.
            let cookie = try PageTests.session(gateway, user: "rick", password: "pickle")
            let form = try PageTests.page(gateway, cookie: cookie, path: "/settings").bodyText
            let marker = try #require(form.firstRange(of: #"name="csrf" value=""#))
            let csrf = String(form[marker.upperBound...].prefix { $0 != "\"" })
            for fields in [
                "action=name-device&device=01&name=Fern%2C%20kitchen%20window",
                "action=add-rule&sensor=light&device=&condition=silent&value=1s&channel=webhook",
            ] {
                let answer = try gateway.http.send(
                    HTTPClientRequest(
                        method: "POST", url: "http://127.0.0.1:\(gateway.port)/settings",
                        headers: [("Cookie", cookie), ("Content-Type", "application/x-www-form-urlencoded")],
                        body: Array("csrf=\(csrf)&\(fields)".utf8)))
                #expect(answer.status == 200, "\(answer.bodyText)")
            }
            #expect(gateway.app.users.user(named: "rick")?.rules?.first?.condition == .silentFor(seconds: 1))
            try waitUntil("the gateway knows InfluxDB is 1.x") { gateway.app.evaluatesAlerts }
            #expect(try gateway.post("01LI700", token: rick).status == 204)
            try waitUntil("the silence alert arrives") { hooks.calls("/rick").count == 1 }
            #expect(hooks.calls("/rick")[0]["message"] == "Fern, kitchen window: no light reading for 1s")
            #expect(try gateway.post("01LI710", token: rick).status == 204)
            try waitUntil("the recovery arrives") { hooks.calls("/rick").count == 2 }
            #expect(hooks.calls("/rick")[1]["level"] == "ok")
            #expect(hooks.calls("/rick")[1]["message"] == "Fern, kitchen window: light readings again")
        }
    }

    /// An alert open when the gateway stops is neither repeated after the restart nor forgotten:
    /// its recovery still arrives.
    @Test func aRestartNeitherRepeatsNorForgetsAnOpenAlert() throws {
        let influxd = try InfluxDServer.shared()
        let database = try influxd.createDatabase("restart-alerts")
        let hooks = Hooks()
        defer { hooks.server.stop() }
        let data = ScratchDirectory.path("alerts-restart")
        let keepData = { (configuration: inout Configuration) in
            configure(&configuration)
            configuration.dataDirectory = data
        }
        var token = ""
        try withGateway(influxURL: influxd.url, database: database, clock: ReadingClock(), configure: keepData) {
            gateway in
            token = try addUser(gateway, "rick", hook: hooks.server.url + "/rick")
            try waitUntil("the gateway knows InfluxDB is 1.x") { gateway.app.evaluatesAlerts }
            #expect(try gateway.post("01SM010", token: token).status == 204)
            try waitUntil("the alert arrives") { hooks.calls("/rick").count == 1 }
        }
        try withGateway(influxURL: influxd.url, database: database, clock: ReadingClock(), configure: keepData) {
            gateway in
            try waitUntil("the gateway knows InfluxDB is 1.x") { gateway.app.evaluatesAlerts }
            #expect(try gateway.post("01SM011", token: token).status == 204)
            #expect(try gateway.post("01SM060", token: token).status == 204)
            try waitUntil("the recovery arrives") { hooks.calls("/rick").count == 2 }
            #expect(hooks.calls("/rick").map { $0["level"] } == ["crit", "ok"])
        }
    }
}
