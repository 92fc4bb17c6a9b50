import CurlClient
import Foundation
import HTTPServer
import PlantBuddy
import Synchronization
import TestSupport
import Testing

/// InfluxDB's notification rule calling /notify, and what the user then sees.
@Suite struct NotifyTests {
    static let secret = "s3cret-\(UUID().uuidString)"

    private func notify(_ gateway: Gateway, _ body: String, secret: String?) throws -> HTTPClientResponse {
        try gateway.http.send(
            HTTPClientRequest(
                method: "POST", url: "http://127.0.0.1:\(gateway.port)/notify",
                headers: (secret.map { [("Authorization", $0)] } ?? []) + [("Content-Type", "application/json")],
                body: Array(body.utf8)))
    }

    private static let status =
        #"{"user":"rick","device_id":"01","sensor":"soil_moisture","level":"crit","message":"soil moisture at 20 for rick (device 01)","time":"2026-11-22T10:00:00Z","check_id":"0000000000050a11"}"#

    @Test func onlyTheExactSecretIsHeard() throws {
        let influxd = try InfluxDServer.shared()
        try withGateway(influxURL: influxd.url, database: "unused", configure: { $0.notifySecret = Self.secret }) {
            gateway in
            _ = try gateway.app.users.add("rick", passwordHash: testPasswordHash("pickle"))
            for wrong in [
                nil, "", "Bearer \(Self.secret)", String(Self.secret.dropLast()), Self.secret + "x",
                Self.secret.uppercased(),
            ] {
                #expect(try notify(gateway, Self.status, secret: wrong).status == 401, "\(wrong ?? "none")")
            }
            let page = try PageTests.page(
                gateway, cookie: try PageTests.session(gateway, user: "rick", password: "pickle"))
            #expect(!page.bodyText.contains("Recent alerts"))
            #expect(
                try gateway.get("/metrics").bodyText.contains(
                    #"plantbuddy_notifications_total{result="unauthorized"} 6"#))
        }
    }

    @Test func statusesAreStoredOnceAndShownNewestFirst() throws {
        let influxd = try InfluxDServer.shared()
        try withGateway(influxURL: influxd.url, database: "unused", configure: { $0.notifySecret = Self.secret }) {
            gateway in
            _ = try gateway.app.users.add("rick", passwordHash: testPasswordHash("pickle"))
            #expect(try notify(gateway, Self.status, secret: Self.secret).status == 200)
            #expect(try notify(gateway, Self.status, secret: Self.secret).status == 200)  // delivered twice
            let later = Self.status.replacingOccurrences(of: "10:00:00Z", with: "11:30:00Z")
                .replacingOccurrences(of: "at 20", with: "at 18")
            #expect(try notify(gateway, later, secret: Self.secret).status == 200)
            // The original tutorial's plain-text message, naming an existing user.
            #expect(try notify(gateway, "soil moisture at 15 for rick", secret: Self.secret).status == 200)
            #expect(try notify(gateway, "soil moisture at 15 for nobody", secret: Self.secret).status == 200)
            #expect(try notify(gateway, "{not json", secret: Self.secret).status == 400)
            #expect(try notify(gateway, String(repeating: "x", count: 70_000), secret: Self.secret).status == 413)

            let html = try PageTests.page(
                gateway, cookie: try PageTests.session(gateway, user: "rick", password: "pickle")
            ).bodyText
            let heading = try #require(html.range(of: "Recent alerts"))
            let section = String(html[heading.lowerBound...])
            let order = [
                "soil moisture at 15 for rick", "soil moisture at 18 for rick", "soil moisture at 20 for rick",
            ]
            let positions = order.map { section.range(of: $0)?.lowerBound ?? section.endIndex }
            #expect(!positions.contains(section.endIndex), "every alert is shown")
            #expect(positions == positions.sorted())
            #expect(section.components(separatedBy: "soil moisture at 20 for rick").count == 2)  // once
            #expect(section.contains("2026-11-22 11:30:00Z"))
            let metrics = try gateway.get("/metrics").bodyText
            #expect(metrics.contains(#"plantbuddy_notifications_total{result="duplicate"} 1"#))
            #expect(metrics.contains(#"plantbuddy_notifications_total{result="unattributed"} 1"#))
        }
    }
}

/// The Flux scripts in Flux/, read as text: the mistakes of the original project must not be there.
@Suite struct FluxScriptTests {
    static func script(_ name: String) throws -> String {
        try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                "../../Flux/\(name)"),
            encoding: .utf8)
    }

    /// Lines that are code, not the header comment.
    static func code(_ text: String) -> String {
        text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }.joined(
            separator: "\n")
    }

    @Test func notificationRuleTakesTheSecretFromTheStoreSendsJSONAndEachChangeOnce() throws {
        let rule = try Self.script("notification_rule.flux")
        let code = Self.code(rule)
        #expect(code.contains(#"secrets.get(key: "pb_secret")"#))
        #expect(code.contains(#""Authorization": secret"#))
        #expect(code.contains("json.encode("))
        for key in ["user:", "device_id:", "sensor:", "level:", "message:", "time:", "check_id:", "value:"] {
            #expect(code.contains(key))
        }
        // Only our own checks' statuses; only changes; only those newer than one period.
        #expect(code.contains("r._check_id == threshold_check_id or r._check_id == silence_check_id"))
        #expect(code.contains("monitor.stateChanges()"))
        #expect(code.contains("r._time >= experimental.subDuration(from: now(), d: task.every)"))
        #expect(code.contains("url: notify_url") && !code.contains("http://"))
        #expect(rule.contains("influx task create"))
    }

    @Test func downsamplingLooksBackTwoPeriodsAndSkipsEmptyWindows() throws {
        let code = Self.code(try Self.script("downsample.flux"))
        #expect(code.contains("range(start: -duration(v: int(v: task.every) * 2))"))
        #expect(code.contains("createEmpty: false"))
        #expect(code.contains("to(bucket: downsampled_bucket)"))
    }

    /// One task for every person's rules: no task per user, no task update per rule change.
    @Test func theAlertCheckReadsTheRulesTheGatewayWrites() throws {
        let code = Self.code(try Self.script("alerts.flux"))
        #expect(code.contains(#"r._measurement == "plantbuddy_rules""#))
        #expect(code.contains("join.inner(") && code.contains("monitor.deadman(t: now())"))
        #expect(code.contains("_check_id: threshold_check_id") && code.contains("_check_id: silence_check_id"))
    }
}

/// Alerts leave the gateway by webhook and e-mail, off the request path, with retries.
@Suite struct NotificationChannelTests {
    private func notify(_ gateway: Gateway, _ body: String) throws -> HTTPClientResponse {
        try gateway.http.send(
            HTTPClientRequest(
                method: "POST", url: "http://127.0.0.1:\(gateway.port)/notify",
                headers: [("Authorization", "hook-secret"), ("Content-Type", "application/json")],
                body: Array(body.utf8)))
    }

    private func wait(until condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(20)
        while !condition() {
            guard Date() < deadline else { throw TestError("timed out waiting for delivery") }
            usleep(20_000)
        }
    }

    private static let status =
        #"{"user":"rick","device_id":"01","sensor":"soil_moisture","level":"crit","message":"soil moisture at 20 for rick (device 01)","time":"2026-11-22T10:00:00Z","check_id":"c1"}"#

    @Test func webhookAndEmailReceiveTheAlert() throws {
        let influxd = try InfluxDServer.shared()
        let hooks = Mutex<[HTTPRequest]>([])
        let receiver = try ReplayServer { request in
            hooks.withLock { $0.append(request) }
            return .text(.ok, "ok")
        }
        defer { receiver.stop() }
        let smtp = try FakeSMTPServer()
        try withGateway(
            influxURL: influxd.url, database: "unused",
            configure: {
                $0.notifySecret = "hook-secret"
                $0.mail = MailSettings(
                    server: MailServer(url: "smtp://127.0.0.1:\(smtp.port)"), from: "alerts@plants.example")
            }
        ) { gateway in
            _ = try gateway.app.users.add("rick")
            try gateway.app.users.setChannels(
                NotificationChannels(webhook: receiver.url + "/hook", email: "rick@example.org"), for: "rick")
            #expect(try notify(gateway, Self.status).status == 200)
            try wait { hooks.withLock { !$0.isEmpty } && !smtp.messages.isEmpty }

            let hook = try #require(hooks.withLock { $0.first })
            #expect(hook.path == "/hook" && hook.headers["Content-Type"] == "application/json")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(hook.body)) as? [String: String])
            #expect(json["user"] == "rick" && json["level"] == "crit" && json["device_id"] == "01")
            #expect(
                json["text"] == "Plant Buddy: soil moisture at 20 for rick (device 01)"
                    && json["content"] == json["text"])

            let mail = try #require(smtp.messages.first)
            #expect(mail.from == "alerts@plants.example" && mail.to == ["rick@example.org"])
            #expect(mail.data.contains("Subject: Plant Buddy: crit – soil moisture at 20 for rick (device 01)"))
            #expect(mail.data.contains("To: <rick@example.org>") && mail.data.contains("Time: 2026-11-22T10:00:00Z"))
            #expect(
                try gateway.get("/metrics").bodyText.contains(
                    #"plantbuddy_notification_deliveries_total{channel="email",result="delivered"} 1"#))
        }
    }

    /// A failing webhook is retried and counted; a slow one never delays /notify's answer.
    @Test func failingChannelIsRetriedAndSlowOneDoesNotDelayNotify() throws {
        let influxd = try InfluxDServer.shared()
        let calls = Mutex(0)
        let release = DispatchSemaphore(value: 0)
        let receiver = try ReplayServer { request in
            let call = calls.withLock {
                $0 += 1
                return $0
            }
            if request.path == "/slow" {
                release.wait()  // held until the test has its /notify answer
                return .text(.ok, "ok")
            }
            return call < 3 ? .text(.internalServerError, "down") : .text(.ok, "ok")
        }
        defer { receiver.stop() }
        try withGateway(
            influxURL: influxd.url, database: "unused",
            configure: {
                $0.notifySecret = "hook-secret"
                $0.notifyRetry = .milliseconds(50)
            }
        ) { gateway in
            _ = try gateway.app.users.add("rick", passwordHash: testPasswordHash("pickle"))
            try gateway.app.users.setChannels(NotificationChannels(webhook: receiver.url + "/flaky"), for: "rick")
            #expect(try notify(gateway, Self.status).status == 200)
            try wait { calls.withLock { $0 } >= 3 }
            try wait {
                (try? gateway.get("/metrics").bodyText.contains(#"channel="webhook",result="delivered"} 1"#)) == true
            }
            #expect(
                try gateway.get("/metrics").bodyText.contains(
                    #"plantbuddy_notification_deliveries_total{channel="webhook",result="retried"} 2"#))

            try gateway.app.users.setChannels(NotificationChannels(webhook: receiver.url + "/slow"), for: "rick")
            let second = Self.status.replacingOccurrences(of: "10:00:00Z", with: "10:10:00Z")
            #expect(try notify(gateway, second).status == 200)  // answered while the webhook is still held
            release.signal()
            let page = try PageTests.page(
                gateway, cookie: try PageTests.session(gateway, user: "rick", password: "pickle"))
            #expect(page.bodyText.contains("Recent alerts"))
        }
    }
}
