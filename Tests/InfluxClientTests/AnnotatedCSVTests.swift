import InfluxClient
import Testing

/// Parses `text` fed in pieces of `chunk` bytes; returns the events, or the error.
private func parse(_ text: String, chunk: Int = .max) -> Result<[AnnotatedCSVEvent], AnnotatedCSVError> {
    var parser = AnnotatedCSVParser()
    var events: [AnnotatedCSVEvent] = []
    let bytes = Array(text.utf8)
    do throws(AnnotatedCSVError) {
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + chunk)
            try parser.feed(Array(bytes[start..<end])) { events.append($0) }
            start = end
        }
        try parser.finish { events.append($0) }
        return .success(events)
    } catch {
        return .failure(error)
    }
}

private func records(_ result: Result<[AnnotatedCSVEvent], AnnotatedCSVError>) -> [[CSVValue]] {
    guard case .success(let events) = result else { return [] }
    return events.compactMap { if case .record(let values) = $0 { values } else { nil } }
}

private func tables(_ result: Result<[AnnotatedCSVEvent], AnnotatedCSVError>) -> [CSVTable] {
    guard case .success(let events) = result else { return [] }
    return events.compactMap { if case .table(let table) = $0 { table } else { nil } }
}

@Suite struct AnnotatedCSVTests {
    /// Two results, three tables, a schema change, CRLF endings, quoting, and no final newline.
    static let sample =
        "#datatype,string,long,dateTime:RFC3339,double,string\r\n"
        + "#group,false,false,false,false,true\r\n"
        + "#default,_result,,,,\r\n"
        + ",result,table,_time,_value,device_id\r\n"
        + ",,0,2024-01-01T00:10:00.5Z,21.5,01\r\n"
        + ",,0,2024-01-01T00:20:00Z,22,01\r\n"
        + ",,1,2024-01-01T00:10:00Z,-1e-3,\"a,\"\"b\"\"\r\nc\"\r\n"
        + "\r\n"
        + "#datatype,string,long,boolean,unsignedLong,duration,base64Binary,dateTime:RFC3339Nano\r\n"
        + "#group,false,false,false,false,false,false,false\r\n"
        + "#default,other,,,,,,\r\n"
        + ",result,table,ok,count,span,blob,at\r\n"
        + ",,0,true,18446744073709551615,1h30m,aGVsbG8=,2020-02-27T18:20:00.123+02:00\r\n"
        + ",,0,false,,,,"

    @Test func everyTableRecordAndTypeIsDecoded() throws {
        let result = parse(Self.sample)
        #expect(tables(result).map { "\($0.result)/\($0.table)" } == ["_result/0", "_result/1", "other/0"])
        #expect(tables(result).first?.columns.map(\.name) == ["result", "table", "_time", "_value", "device_id"])
        #expect(tables(result).first?.columns.last?.group == true)
        let rows = records(result)
        #expect(rows.count == 5)
        #expect(
            rows[0] == [
                .string("_result"), .long(0), .dateTime(try #require(Timestamp(rfc3339: "2024-01-01T00:10:00.5Z"))),
                .double(21.5), .string("01"),
            ])
        #expect(rows[2][3] == .double(-0.001))
        #expect(rows[2][4] == .string("a,\"b\"\r\nc"))
        #expect(
            rows[3] == [
                .string("other"), .long(0), .boolean(true), .unsignedLong(.max), .duration("1h30m"),
                .base64Binary("aGVsbG8="), .dateTime(try #require(Timestamp(rfc3339: "2020-02-27T16:20:00.123Z"))),
            ])
        #expect(rows[4] == [.string("other"), .long(0), .boolean(false), .null, .null, .null, .null])
    }

    /// The network splits a response anywhere: every split gives the same events.
    @Test func splittingTheInputAnywhereGivesTheSameEvents() {
        let whole = parse(Self.sample)
        for chunk in [1, 2, 3, 7, 64] {
            #expect(parse(Self.sample, chunk: chunk) == whole, "chunk \(chunk)")
        }
    }

    /// Repeated cells reuse the previous value; an empty cell (the default) or a quoted row in
    /// between must not leave a stale value behind.
    @Test func repeatedCellsStayCorrectAroundDefaultsAndQuotedRows() {
        let text =
            "#datatype,string,long,string,double\n#group,false,false,true,false\n#default,_result,,dflt,\n"
            + ",result,table,tag,v\n,,0,a,1\n,,0,,2\n,,0,a,3\n,,0,\"b\",4\n,,0,a,5\n,,0,a,6\n"
        #expect(
            records(parse(text)).map { $0[2] } == [
                .string("a"), .string("dflt"), .string("a"), .string("b"), .string("a"), .string("a"),
            ])
        #expect(records(parse(text, chunk: 5)) == records(parse(text)))
    }

    /// Found by the fuzzer (Tests/Fuzz/Corpus/annotated-csv/regression-bad-cell-before-width): a cell that
    /// does not convert, in a row that is also too wide, must give the same error whole or split.
    @Test func badCellInAWideRowGivesTheSameErrorHoweverSplit() {
        let text = "#datatype,string,long,s;,at\n,,0,\n,/02\u{e2},-Inf,,,"
        let whole = parse(text)
        #expect(whole == .failure(.malformed(line: 3, reason: "row has 5 cells, header has 3")))
        for chunk in 1...text.utf8.count { #expect(parse(text, chunk: chunk) == whole, "chunk \(chunk)") }
    }

    @Test func doublesIncludeNaNAndInfinities() {
        let text =
            "#datatype,string,long,double\n#default,_result,,\n,result,table,v\n,,0,NaN\n,,0,+Inf\n,,0,-Inf\n,,0,1.5e300\n"
        #expect(
            records(parse(text)).map { $0[2] } == [
                .double(.nan), .double(.infinity), .double(-.infinity), .double(1.5e300),
            ])
    }

    @Test func errorTableAfterDataSurfacesTheServerMessage() {
        let text =
            "#datatype,string,long,double\n#default,_result,,\n,result,table,v\n,,0,1\n\n"
            + "#datatype,string,string\n#group,true,true\n#default,,\n,error,reference\n"
            + ",\"panic: runtime error: index out of range, line 3\",897\n"
        #expect(
            parse(text)
                == .failure(.query(message: "panic: runtime error: index out of range, line 3", reference: "897")))
    }

    @Test func emptyTableAndDefaultsForGroupKeys() {
        // An empty table is a header block with its group key in #default and no rows.
        let text =
            "#datatype,string,long,string\n#group,false,false,true\n#default,_result,3,soil\n,result,table,_measurement\n\n"
            + "#datatype,string,long,string\n#group,false,false,true\n#default,_result,,\n,result,table,_measurement\n"
            + ",,4,light\n"
        // The empty table is a table with zero records, its identity from #default, split anywhere.
        for chunk in [1, 7, Int.max] {
            #expect(tables(parse(text, chunk: chunk)).map(\.table) == [3, 4])
            #expect(tables(parse(text, chunk: chunk)).first?.columns.last?.defaultValue == "soil")
            #expect(records(parse(text, chunk: chunk)) == [[.string("_result"), .long(4), .string("light")]])
        }
        // Last in the stream, without a blank line after it, it is still a table.
        let last = "#datatype,string,long\n#group,false,false\n#default,_result,9\n,result,table\n"
        #expect(tables(parse(last)).map(\.table) == [9] && records(parse(last)).isEmpty)
    }

    @Test(arguments: [
        ("#datatype,string,long\n,result,table\n,,zero\n", 3),
        ("#datatype,string,long,long\n,result,table,v\n,,0,1.5\n", 3),
        ("#datatype,string,long,boolean\n,result,table,v\n,,0,yes\n", 3),
        ("#datatype,string,long,dateTime:RFC3339\n,result,table,v\n,,0,2020-13-01T00:00:00Z\n", 3),
        ("#datatype,string,long\n,result,table\n,,0,extra\n", 3),
        ("result,table\n", 1),
        ("#datatype,string,long,string\n,result,table,v\n,,0,\"open\n", 3),
    ])
    func malformedInputIsReportedWithItsLine(text: String, line: Int) {
        guard case .failure(.malformed(let reported, _)) = parse(text) else {
            Issue.record("accepted: \(text.debugDescription)")
            return
        }
        #expect(reported == line)
    }

    @Test(arguments: [
        ("2020-02-27T16:20:00Z", "2020-02-27T16:20:00Z"),
        ("2020-02-27T16:20:00.000000000Z", "2020-02-27T16:20:00Z"),
        ("1677-09-21T00:12:43.145224192Z", "1677-09-21T00:12:43.145224192Z"),
        ("2262-04-11T23:47:16.854775807Z", "2262-04-11T23:47:16.854775807Z"),
        ("2024-02-29T23:30:00.1-01:30", "2024-03-01T01:00:00.1Z"),
        ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"),
    ])
    func timestampsNormaliseToUTC(input: String, expected: String) {
        #expect(Timestamp(rfc3339: input)?.description == expected)
    }

    @Test func nanosecondTimestampsRoundTrip() {
        #expect(Timestamp(nanosecondsSinceEpoch: -1).description == "1969-12-31T23:59:59.999999999Z")
        #expect(
            Timestamp(nanosecondsSinceEpoch: 1_700_000_000_000_000_001).description == "2023-11-14T22:13:20.000000001Z")
    }
}
