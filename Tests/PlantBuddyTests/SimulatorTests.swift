import CurlClient
import Foundation
import TestSupport
import Testing

@testable import PlantBuddy

/// The demo's device: its soil dries past the default alert threshold and is watered again.
@Suite struct SimulatorTests {
    @Test func theDemoSoilDriesPastTheThresholdThenIsWatered() {
        let cycle = Duration.seconds(240)
        let soil = { (seconds: Int64) in Simulator.dryingSoil(elapsed: .seconds(seconds), cycle: cycle) }
        #expect(soil(0) == 60)
        #expect(soil(80) > 35 && soil(95) <= 35)  // alerts about 90 s in
        #expect(soil(143) <= 21)
        #expect(soil(145) == 70 && soil(239) == 70)  // watered: the recovery
        #expect(soil(240) == 60)  // and again
        var sensors = Simulator.startingSensors()
        let lines = Simulator.nextLines(deviceID: "01", sensors: &sensors, dry: false, soil: 33)
        #expect(lines.hasPrefix("01SM033\r\n"))
    }

    /// `simulate --backfill` through a real gateway into the real InfluxDB 1.x: one reading a minute
    /// per sensor with its own time, the user's tag set by the gateway, and no alert for history.
    @Test func backfillWritesHistoryThroughTheGateway() throws {
        let influxd = try InfluxDServer.shared()
        let database = try influxd.createDatabase("backfill")
        try withGateway(influxURL: influxd.url, database: database, clock: ReadingClock()) { gateway in
            let token = try gateway.app.users.add("rick")
            try waitUntil("the gateway knows InfluxDB is 1.x") { gateway.app.evaluatesAlerts }
            var simulator = Simulator(url: "http://127.0.0.1:\(gateway.port)", token: token)
            simulator.backfill = .seconds(2 * 3600)
            simulator.run { true }  // the backfill only
            try gateway.waitUntilDelivered()
            let counts = try influxd.rows(
                #"SELECT count("reading") FROM /.*/ WHERE "user" = 'rick'"#, database: database)
            #expect(counts.count == 5, "five sensors")
            for (measurement, columns) in counts {
                #expect((120...121).contains((columns["count"] as? NSNumber)?.intValue ?? 0), "\(measurement)")
            }
            let soil = try influxd.rows(#"SELECT "reading" FROM "soil_moisture""#, database: database).compactMap {
                ($0.1["time"] as? NSNumber)?.int64Value
            }
            let gaps = zip(soil, soil.dropFirst()).map { $1 - $0 }.filter { $0 != 60_000_000_000 }
            #expect(soil.count >= 120 && gaps.isEmpty, "a minute apart, not \(gaps)")
            let metrics = try gateway.get("/metrics").bodyText
            #expect(!metrics.contains("plantbuddy_alert_transitions_total{"))
        }
    }
}

@Suite struct AccessLogFormatTests {
    /// The access log's duration, formatted without Foundation (it runs for every request).
    @Test(arguments: [
        (UInt64(1_320_000), "1.32"), (5_000, "0.01"), (4_999, "0.00"), (40_000, "0.04"), (999_999_999, "1000.00"),
        (12_345_678, "12.35"),
    ])
    func durationsHaveTwoDecimals(nanoseconds: UInt64, text: String) {
        #expect(RequestObserver.milliseconds(nanoseconds) == text)
    }
}
