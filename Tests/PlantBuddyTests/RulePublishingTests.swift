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
            try waitUntil("the rules reach InfluxDB") { ruleLines(replay).count >= 2 }
            #expect(
                Set(ruleLines(replay).map(withoutTime)) == [
                    #"plantbuddy_rules,device_id=*,rule_id=default-soil,sensor=soil_moisture,user=Zoë\ "the\ gardener"\,\ O'Brien active=true,kind="below",silence_seconds=0i,threshold=35.0"#,
                    "plantbuddy_rules,device_id=01,rule_id=\(rule.id),sensor=soil_moisture,user=rick active=true,kind=\"below\",silence_seconds=0i,threshold=1e-05",
                ])
            #expect(!gateway.app.evaluatesAlerts, "InfluxDB 2.x's task evaluates them")

            try gateway.app.users.removeRule(rule.id, for: "rick")
            try waitUntil("the change reaches InfluxDB") { ruleLines(replay).count >= 4 }
            #expect(
                Set(ruleLines(replay).dropFirst(2).map(withoutTime)) == [
                    "plantbuddy_rules,device_id=01,rule_id=\(rule.id),sensor=soil_moisture,user=rick active=false,kind=\"below\",silence_seconds=0i,threshold=1e-05",
                    #"plantbuddy_rules,device_id=*,rule_id=default-soil,sensor=soil_moisture,user=rick active=true,kind="below",silence_seconds=0i,threshold=35.0"#,
                ])
            // Unchanged rules are not written again.
            Thread.sleep(forTimeInterval: 1.5)
            #expect(ruleLines(replay).count == 4)
        }
    }
}
