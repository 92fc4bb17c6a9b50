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
}
