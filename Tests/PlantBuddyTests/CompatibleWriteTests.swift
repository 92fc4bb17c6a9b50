import CurlClient
import Foundation
import HTTPServer
import PlantBuddy
import TestSupport
import Testing

/// Telegraf and InfluxDB client libraries writing through the gateway, into the real InfluxDB 1.x.
@Suite struct CompatibleWriteTests {
    private func send(_ gateway: Gateway, _ target: String, _ body: String, headers: [(String, String)]) throws
        -> HTTPClientResponse
    {
        try gateway.http.send(
            HTTPClientRequest(
                method: "POST", url: "http://127.0.0.1:\(gateway.port)\(target)", headers: headers,
                body: Array(body.utf8)))
    }

    @Test func v2WritesGetTheUsersTagAndOtherUsersAreRefused() throws {
        let influxd = try InfluxDServer.shared()
        let database = try influxd.createDatabase("compat_v2")
        try withGateway(influxURL: influxd.url, database: database) { gateway in
            let token = try gateway.app.users.add("rick")
            let body = """
                # telegraf
                soil_moisture,device_id=07 reading=51i 1700000000
                air_temp,device_id=07,user=rick reading=21.5 1700000001
                soil_moisture,device_id=07,user=morty reading=1i 1700000002
                bad line here
                """
            let response = try send(
                gateway, "/api/v2/write?org=any&bucket=any&precision=s", body,
                headers: [("Authorization", "Token \(token)")])
            #expect(response.status == 400)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: String])
            #expect(json["code"] == "invalid")
            #expect(json["message"]?.contains("tag user=morty is not the authenticated user") == true)
            #expect(json["message"]?.contains("unable to parse 'bad line here': invalid field format") == true)
            try gateway.waitUntilDelivered()
            let rows = try influxd.rows(#"SELECT * FROM soil_moisture, air_temp"#, database: database)
            #expect(rows.count == 2)
            #expect(rows.allSatisfy { $0.1["user"] as? String == "rick" })
            #expect(
                Set(rows.compactMap { ($0.1["time"] as? NSNumber)?.int64Value }) == [
                    1_700_000_000_000_000_000, 1_700_000_001_000_000_000,
                ])
        }
    }

    @Test func v1WritesAuthenticateLikeInfluxDB1Clients() throws {
        let influxd = try InfluxDServer.shared()
        let database = try influxd.createDatabase("compat_v1")
        try withGateway(influxURL: influxd.url, database: database) { gateway in
            let token = try gateway.app.users.add("summer")
            let basic = Data("summer:\(token)".utf8).base64EncodedString()
            #expect(
                try send(
                    gateway, "/write?db=x&precision=ms", "light reading=700i 1700000000000",
                    headers: [("Authorization", "Basic \(basic)")]
                ).status == 204)
            #expect(
                try send(gateway, "/write?db=x&u=summer&p=\(token)", "light reading=701i", headers: []).status == 204)
            let refused = try send(gateway, "/write?db=x", "light reading=1i", headers: [])
            #expect(refused.status == 401 && refused.bodyText == #"{"error":"unauthorized access"}"#)
            #expect(
                try send(
                    gateway, "/write?db=x&precision=fortnights", "light v=1",
                    headers: [("Authorization", "Token \(token)")]
                ).status == 400)
            // Without `db`, /write is still the device protocol.
            #expect(
                try send(gateway, "/write", "01LI702", headers: [("Authorization", "Token \(token)")]).status == 204)
            try gateway.waitUntilDelivered()
            let readings = try influxd.rows("SELECT reading, \"user\" FROM light", database: database)
            #expect(readings.compactMap { ($0.1["reading"] as? NSNumber)?.intValue }.sorted() == [700, 701, 702])
            #expect(readings.allSatisfy { $0.1["user"] as? String == "summer" })
        }
    }
}
