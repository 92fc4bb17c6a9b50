import InfluxClient
import Testing

@Suite struct LineProtocolTests {
    @Test func pointEncodesWithSortedTagsAndFieldsAndTimestamp() throws {
        let point = Point(
            measurement: "soil_moisture", tags: ["user": "rick", "device_id": "01"],
            fields: ["reading": .integer(144)], timestamp: 1_621_978_469_468_115_968)
        #expect(
            try LineProtocol.encode(point) == "soil_moisture,device_id=01,user=rick reading=144i 1621978469468115968\n")
        // Timestamps before 1970, at it, and at both ends of the range.
        let timestamps: [(Int64, String)] = [
            (-1, "-1"), (0, "0"), (.max, "9223372036854775807"), (.min, "-9223372036854775808"),
        ]
        for (timestamp, text) in timestamps {
            let point = Point(measurement: "m", fields: ["v": .integer(0)], timestamp: timestamp)
            #expect(try LineProtocol.encode(point) == "m v=0i \(text)\n")
        }
    }

    @Test func everyFieldTypeHasItsSyntax() throws {
        let point = Point(
            measurement: "m",
            fields: [
                "a": .integer(-9_223_372_036_854_775_808), "b": .unsigned(18_446_744_073_709_551_615),
                "c": .float(-1.5e-7),
                "d": .boolean(true), "e": .boolean(false), "f": .string(#"say "hi" \ bye"#), "g": .float(3),
            ])
        #expect(
            try LineProtocol.encode(point)
                == #"m a=-9223372036854775808i,b=18446744073709551615u,c=-1.5e-07,d=true,e=false,f="say \"hi\" \\ bye",g=3.0"#
                + "\n")
    }

    /// Each element escapes exactly what InfluxDB's parser treats as a delimiter there.
    @Test(arguments: [
        ("a b,c=d", LineProtocol.Element.measurement, #"a\ b\,c=d"#),
        ("a b,c=d", .key, #"a\ b\,c\=d"#),
        ("a b,c=d", .tagValue, #"a\ b\,c\=d"#),
        (#"O"Neil \o/"#, .tagValue, #"O"Neil\ \o/"#),
        ("Ünïcødé 植物", .tagValue, #"Ünïcødé\ 植物"#),
        (",\u{301}", .tagValue, "\\,\u{301}"),
    ])
    func specialCharactersAreEscaped(text: String, element: LineProtocol.Element, expected: String) throws {
        #expect(try LineProtocol.escape(text, as: element) == expected)
    }

    /// What line protocol cannot carry exactly is refused, never silently altered.
    @Test(arguments: [
        ("", LineProtocol.Element.tagValue),
        ("a\nb", .tagValue),
        ("a\r\nb", .key),
        (#"ends\"#, .tagValue),
        (#"a\,b"#, .tagValue),
        (#"a\ b"#, .measurement),
        ("#comment", .measurement),
    ])
    func unrepresentableTextIsRefused(text: String, element: LineProtocol.Element) {
        #expect(throws: LineProtocolError.self) { try LineProtocol.escape(text, as: element) }
    }

    @Test func invalidPointsAreRefused() {
        #expect(throws: LineProtocolError.self) { try LineProtocol.encode(Point(measurement: "m", fields: [:])) }
        #expect(throws: LineProtocolError.self) {
            try LineProtocol.encode(Point(measurement: "m", fields: ["v": .float(.nan)]))
        }
        #expect(throws: LineProtocolError.self) {
            try LineProtocol.encode(Point(measurement: "m", fields: ["v": .float(.infinity)]))
        }
        #expect(throws: LineProtocolError.self) {
            try LineProtocol.encode(Point(measurement: "m", fields: ["v": .string("a\nb")]))
        }
    }

    /// A series prefix's lines are the bytes `encode` makes of the same points, escaping included,
    /// and what `encode` refuses, a prefix refuses (its names) or leaves out (its values).
    @Test func seriesPrefixLinesAreTheLinesEncodeMakes() throws {
        let series: [(measurement: String, tags: [(key: String, value: String)], field: String)] = [
            ("soil_moisture", [("device_id", "01"), ("user", "rick")], "reading"),
            ("a b,c=d", [("k y", #"O'Brien, "Rick" = C-137\Sanchez"#), ("z", "Zoë 植物")], "v=w"),
            ("m", [], "v"),
        ]
        let values: [(FieldValue, Int64?)] = [
            (.integer(-144), 1_621_978_469_468_115_968), (.float(2.5), nil), (.string(#"say "hi""#), -1),
            (.boolean(true), 0),
        ]
        for (measurement, tags, field) in series {
            let prefix = try LineProtocol.SeriesPrefix(measurement: measurement, sortedTags: tags.span, field: field)
            var lines: [UInt8] = []
            var encoded: [UInt8] = []
            for (value, timestamp) in values {
                try prefix.appendLine(value, timestamp: timestamp, to: &lines)
                try LineProtocol.encode(
                    measurement: measurement, sortedTags: tags.span, sortedFields: [(key: field, value: value)].span,
                    timestamp: timestamp, into: &encoded)
            }
            #expect(String(decoding: lines, as: UTF8.self) == String(decoding: encoded, as: UTF8.self))
            let before = lines
            #expect(throws: LineProtocolError.self) { try prefix.appendLine(.float(.nan), timestamp: 1, to: &lines) }
            #expect(lines == before)
        }
        #expect(throws: LineProtocolError.self) {
            try LineProtocol.SeriesPrefix(
                measurement: "#m", sortedTags: [(key: String, value: String)]().span, field: "v")
        }
        #expect(throws: LineProtocolError.self) {
            try LineProtocol.SeriesPrefix(measurement: "m", sortedTags: [(key: "k", value: "a\nb")].span, field: "v")
        }
        #expect(throws: LineProtocolError.self) {
            try LineProtocol.SeriesPrefix(
                measurement: "m", sortedTags: [(key: String, value: String)]().span, field: "")
        }
    }

    @Test func tagsSortByteWise() throws {
        let point = Point(measurement: "m", tags: ["b": "1", "B": "2", "a": "3", "é": "4"], fields: ["v": .integer(1)])
        #expect(try LineProtocol.encode(point) == "m,B=2,a=3,b=1,é=4 v=1i\n")
    }
}
