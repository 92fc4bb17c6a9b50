import PlantBuddy
import Testing

@Suite struct DeviceLineParserTests {
    let parser = DeviceLineParser(catalog: .standard)

    private func parse(_ text: String) -> [DeviceLine] { collect(parser, Array(text.utf8)) }

    /// The lines `forEachLine` visits, checking that `lineCount` (the timestamps reserved) counts them.
    private func collect(_ parser: DeviceLineParser, _ body: [UInt8]) -> [DeviceLine] {
        var lines: [DeviceLine] = []
        parser.forEachLine(in: body) { lines.append($0) }
        #expect(parser.lineCount(in: body) == lines.count)
        return lines
    }

    @Test func everySensorCodeMapsToItsMeasurement() {
        #expect(
            parse("01LI812\n01HU055\n01ST019\n01AT021\n01SM044")
                == [
                    .reading(number: 1, deviceID: "01", measurement: "light", value: 812),
                    .reading(number: 2, deviceID: "01", measurement: "humidity", value: 55),
                    .reading(number: 3, deviceID: "01", measurement: "soil_temp", value: 19),
                    .reading(number: 4, deviceID: "01", measurement: "air_temp", value: 21),
                    .reading(number: 5, deviceID: "01", measurement: "soil_moisture", value: 44),
                ])
    }

    /// Serial bridges forward CRLF; blank lines are skipped but still counted for line numbers.
    @Test func crlfZeroPaddingSignsAndBlankLines() {
        #expect(
            parse("01SM007\r\n\r\n  \nA7AT-05\r\n02AT+3\r\n")
                == [
                    .reading(number: 1, deviceID: "01", measurement: "soil_moisture", value: 7),
                    .reading(number: 4, deviceID: "A7", measurement: "air_temp", value: -5),
                    .reading(number: 5, deviceID: "02", measurement: "air_temp", value: 3),
                ])
    }

    @Test func errLinesAreSensorFailuresNotReadings() {
        #expect(
            parse("ERRDebug-12\n01STERRDebug-1")
                == [
                    .sensorFailure(number: 1, deviceID: nil, measurement: nil, text: "ERRDebug-12"),
                    .sensorFailure(number: 2, deviceID: "01", measurement: "soil_temp", text: "01STERRDebug-1"),
                ])
    }

    /// Every kind of malformed line is refused on its own, with its number and a reason.
    @Test(arguments: [
        ("01SM", "too short: expected <device id><sensor code><reading>, like 01SM144"),
        ("0,SM144", "device id must be two letters or digits"),
        ("é1SM144", "device id must be two letters or digits"),
        ("01XX144", "unknown sensor code 'XX'"),
        ("01sm144", "unknown sensor code 'sm'"),
        ("01SM14.5", "reading must be a whole number"),
        ("01SM12a", "reading must be a whole number"),
        ("01SM-", "reading must be a whole number"),
        ("01SM 12", "reading must be a whole number"),
        ("01SM9223372036854775808", "reading out of range"),
    ])
    func malformedLineIsRejectedWithReason(line: String, error: String) {
        #expect(
            parse("01SM1\n" + line) == [
                .reading(number: 1, deviceID: "01", measurement: "soil_moisture", value: 1),
                .rejected(number: 2, text: line, error: error),
            ])
    }

    @Test func invalidUTF8IsRejectedNotCrashed() {
        let body: [UInt8] = Array("01SM1\n".utf8) + [0x30, 0x31, 0x53, 0x4d, 0xff, 0xfe]
        guard case .rejected(2, _, "reading must be a whole number") = collect(parser, body).last else {
            Issue.record("invalid UTF-8 not rejected: \(collect(parser, body))")
            return
        }
    }

    @Test func catalogIsConfigurable() throws {
        let custom = try SensorCatalog(parsing: "PH=soil_ph, SM=soil_moisture")
        let lines = collect(DeviceLineParser(catalog: custom), Array("03PH007\n03LI100".utf8))
        #expect(lines.first == .reading(number: 1, deviceID: "03", measurement: "soil_ph", value: 7))
        #expect(lines.last == .rejected(number: 2, text: "03LI100", error: "unknown sensor code 'LI'"))
        #expect(throws: ConfigurationError.self) { try SensorCatalog(parsing: "PHX=ph") }
        #expect(throws: ConfigurationError.self) { try SensorCatalog(parsing: "PH=soil ph") }
    }

    @Test func readingClockNeverRepeatsATimestamp() {
        let clock = ReadingClock(now: { 1_000 })
        #expect(clock.reserve(3) == 1_000)
        #expect(clock.reserve(1) == 1_003)
        #expect(clock.reserve(0) == 1_004)
        #expect(clock.reserve(2) == 1_005)
    }
}
