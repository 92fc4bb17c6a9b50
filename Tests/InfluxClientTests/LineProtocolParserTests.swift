import InfluxClient
import Testing

@Suite struct LineProtocolParserTests {
    @Test func everyElementAndFieldTypeParses() throws {
        let body =
            #"we\ ird\,m,tag\=k=v\ a\,l,b=2 f=1.5,i=-3i,u=7u,t=T,s="say \"hi\" \\ now",x=1e3 1700000000000000000"#
        let parsed = LineProtocolParser.parse(Array(body.utf8))
        #expect(parsed.failures.isEmpty)
        let point = try #require(parsed.points.first?.point)
        #expect(point.measurement == "we ird,m")
        #expect(point.tags == ["tag=k": "v a,l", "b": "2"])
        #expect(
            point.fields == [
                "f": .float(1.5), "i": .integer(-3), "u": .unsigned(7), "t": .boolean(true),
                "s": .string(#"say "hi" \ now"#), "x": .float(1000),
            ])
        #expect(point.timestamp == 1_700_000_000_000_000_000)
    }

    /// What the encoder writes, the parser reads back unchanged.
    @Test(arguments: [
        Point(
            measurement: "soil_moisture", tags: ["device_id": "01", "user": #"O'Brien, "Rick" = C-137\Sanchez"#],
            fields: ["reading": .integer(144)], timestamp: 1),
        Point(
            measurement: "a b,c", tags: ["k=1": "v 2"], fields: ["f,g": .string(#"x"y\z"#), "h": .boolean(false)],
            timestamp: -5),
        Point(measurement: "m", fields: ["v": .float(-0.25), "w": .unsigned(18_446_744_073_709_551_615)]),
    ])
    func encodeThenParseRoundTrips(point: Point) throws {
        let parsed = LineProtocolParser.parse(Array(try LineProtocol.encode(point).utf8))
        #expect(parsed.failures.isEmpty)
        #expect(parsed.points.first?.point == point)
    }

    @Test func commentsBlankLinesAndCRLFAreSkippedAndLinesNumbered() {
        let parsed = LineProtocolParser.parse(Array("# comment\r\n\r\nm v=1i 1\r\n  m v=2i 2\n".utf8))
        #expect(parsed.points.map(\.line) == [3, 4])
        #expect(parsed.failures.isEmpty)
    }

    @Test(arguments: [
        ("m", "missing fields"),
        ("m,host=a", "missing fields"),
        ("m,host= v=1", "missing tag value"),
        ("m,=a v=1", "missing tag key"),
        ("m v=", "missing field value"),
        (#"m v="open"#, "unbalanced quotes"),
        ("m v=1 12x", "bad timestamp"),
        ("m v=1 1 2", "invalid field format"),
        ("m v=abc", "invalid boolean"),
        ("m v=1.2.3", "invalid number"),
        ("m v=9223372036854775808i", "invalid integer"),
        ("m v=-1u", "invalid unsigned integer"),
        ("m v=NaN", "invalid number"),
        (#"m\"#, "missing measurement"),
    ])
    func malformedLineNamesItsReason(line: String, reason: String) {
        let parsed = LineProtocolParser.parse(Array(("m ok=1i\n" + line).utf8))
        #expect(parsed.points.count == 1)
        #expect(parsed.failures.map { "\($0.line) \($0.text) \($0.reason)" } == ["2 \(line) \(reason)"])
        #expect(parsed.failures.first?.message == "unable to parse '\(line)': \(reason)")
    }
}
