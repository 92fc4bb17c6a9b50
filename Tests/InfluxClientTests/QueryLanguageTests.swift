import InfluxClient
import TestSupport
import Testing

@Suite struct QueryLanguageTests {
    @Test(arguments: [
        ("rick", #""rick""#),
        (#"x" or true or ""#, #""x\" or true or \"""#),
        (#"back\slash"#, #""back\\slash""#),
        ("${r._value}", #""\x24{r._value}""#),
        ("a$b", #""a\x24b""#),
        ("line\nbreak\ttab\r", #""line\nbreak\ttab\r""#),
        ("植物", #""植物""#),
    ])
    func fluxStringLiteralEscapesEverythingThatCouldEndOrInterpolate(text: String, literal: String) {
        #expect(Flux.stringLiteral(text) == literal)
    }

    @Test func influxQLQuotesIdentifiersAndStrings() {
        #expect(InfluxQL.identifier(#"soil "moist" \ x"#) == #""soil \"moist\" \\ x""#)
        #expect(InfluxQL.stringLiteral(#"O'Brien \ "Rick""#) == #"'O\'Brien \\ "Rick"'"#)
        #expect(InfluxQL.stringLiteral("a\nb") == #"'a\nb'"#)
    }

    /// Against the real InfluxDB 1.x: hostile names select exactly their own points and nothing else.
    @Test(arguments: [#"O'Brien"#, #"x' OR 'a'='a"#, #"back\slash"#, #"quote"d"#, "-- comment", #"\'"#])
    func influxQLLiteralsMatchExactlyTheirOwnTagOnRealInfluxDB(name: String) throws {
        let influxd = try InfluxDServer.shared()
        let database = try influxd.createDatabase("escape")
        var lines: [UInt8] = []
        try LineProtocol.encode(
            Point(measurement: #"we"ird m"#, tags: ["user": name], fields: ["v": .integer(1)], timestamp: 1),
            into: &lines)
        try LineProtocol.encode(
            Point(measurement: #"we"ird m"#, tags: ["user": "someone else"], fields: ["v": .integer(2)], timestamp: 2),
            into: &lines)
        try influxd.write(String(decoding: lines, as: UTF8.self), database: database)
        let rows = try influxd.rows(
            "SELECT v FROM \(InfluxQL.identifier(#"we"ird m"#)) WHERE \"user\" = \(InfluxQL.stringLiteral(name))",
            database: database)
        #expect(rows.count == 1)
        #expect((rows.first?.1["v"] as? Int) == 1)
    }
}
