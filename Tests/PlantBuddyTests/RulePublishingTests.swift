import Foundation
import HTTPServer
import InfluxClient
import PlantBuddy
import TestSupport
import Testing

/// On InfluxDB 2.x the alert check task reads the rules the gateway writes. InfluxDB 2.x cannot run
/// here: a loopback server answers `/ping` and `/api/v2/write` with 2.x's own bytes (a version
/// header, 204) and records what the gateway sends.
@Suite struct RulePublishingToInfluxDB2ReplayTests {
    private func ruleLines(_ replay: ReplayServer) -> [String] {
        replay.requests.filter { $0.path == "/api/v2/write" }.flatMap { request in
            String(decoding: request.body, as: UTF8.self).split(separator: "\n").map(String.init)
        }.filter { $0.hasPrefix("plantbuddy_rules,") }
    }

    /// The line without its timestamp (the time of writing).
    private func withoutTime(_ line: String) -> String { String(line[..<line.lastIndex(of: " ")!]) }

    /// What the task reads: each rule's last point (series key → line without time), in order written.
    private func lastPoints(_ replay: ReplayServer) -> [String: String] {
        var last: [String: String] = [:]
        for line in ruleLines(replay).map(withoutTime) { last[String(line[..<line.firstIndex(of: " ")!])] = line }
        return last
    }

    /// Whether some rule was written twice in a row with nothing changed.
    private func repeatsItself(_ replay: ReplayServer) -> Bool {
        var last: [String: String] = [:]
        for line in ruleLines(replay).map(withoutTime) {
            let key = String(line[..<line.firstIndex(of: " ")!])
            if last[key] == line { return true }
            last[key] = line
        }
        return false
    }

    @Test func rulesAreWrittenOnceEachAndARemovedRuleIsWrittenInactive() throws {
        let replay = try ReplayServer { request in
            if request.path == "/ping" {
                return HTTPResponse(status: .noContent, headers: ["X-Influxdb-Version": "v2.7.12"])
            }
            return HTTPResponse(status: .noContent)
        }
        defer { replay.stop() }
        try withGateway(
            influxURL: replay.url, database: "plants", clock: ReadingClock(),
            configure: {
                $0.influx.org = "greenhouse"
                $0.alertLimits.minSilenceSeconds = 1  // the gateway looks for changed rules every second
            }
        ) { gateway in
            _ = try gateway.app.users.add(#"Zoë "the gardener", O'Brien"#)
            _ = try gateway.app.users.add("rick")
            let rule = try gateway.app.users.addRule(
                AlertRule(sensor: "soil_moisture", deviceID: "01", condition: .atOrBelow(0.00001)), for: "rick",
                catalog: .standard, limits: gateway.app.configuration.alertLimits)
            // The gateway may publish before the rule is added (rick's default first, then replaced):
            // what counts is each rule's last point, and no rule written twice unchanged.
            let zoeDefault =
                #"plantbuddy_rules,device_id=*,rule_id=default-soil,sensor=soil_moisture,user=Zoë\ "the\ gardener"\,\ O'Brien active=true,kind="below",silence_seconds=0i,threshold=35.0"#
            let rickRule = { (active: Bool) in
                "plantbuddy_rules,device_id=01,rule_id=\(rule.id),sensor=soil_moisture,user=rick active=\(active),kind=\"below\",silence_seconds=0i,threshold=1e-05"
            }
            let rickDefault = { (active: Bool) in
                "plantbuddy_rules,device_id=*,rule_id=default-soil,sensor=soil_moisture,user=rick active=\(active),kind=\"below\",silence_seconds=0i,threshold=35.0"
            }
            try waitUntil("the rules reach InfluxDB") {
                Set(lastPoints(replay).values.filter { $0.contains("active=true") }) == [zoeDefault, rickRule(true)]
            }
            #expect(!gateway.app.evaluatesAlerts, "InfluxDB 2.x's task evaluates them")

            try gateway.app.users.removeRule(rule.id, for: "rick")
            try waitUntil("the change reaches InfluxDB") {
                Set(lastPoints(replay).values) == [zoeDefault, rickRule(false), rickDefault(true)]
            }
            #expect(!repeatsItself(replay))
            // Unchanged rules are not written again.
            let written = ruleLines(replay).count
            Thread.sleep(forTimeInterval: 1.5)
            #expect(ruleLines(replay).count == written)
        }
    }
}
