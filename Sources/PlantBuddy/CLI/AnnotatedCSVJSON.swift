import InfluxClient

/// `plantbuddy csv`: annotated CSV in, the parser's view of it out as JSON, for debugging and for
/// conformance tests. Shape:
/// `{"ok":true,"tables":[{"result":…,"table":0,"columns":[{"name":…,"type":…,"group":false,"default":""}],"records":[{…}]}]}`
/// or, for an error table in the stream, `{"ok":false,"error":…,"reference":…}`.
enum AnnotatedCSVJSON {
    struct Outcome {
        let json: String
        /// 0 for tables, 1 for a query error, 2 for input that is not annotated CSV.
        let status: Int32
    }

    /// Reads chunks until `nextChunk` returns nil.
    static func convert(_ nextChunk: () -> [UInt8]?) -> Outcome {
        var parser = AnnotatedCSVParser()
        var tables: [(table: CSVTable, records: [String])] = []
        let collect: (AnnotatedCSVEvent) -> Void = { event in
            switch event {
            case .table(let table): tables.append((table, []))
            case .record(let values):
                tables[tables.count - 1].records.append(record(values, tables[tables.count - 1].table))
            }
        }
        do throws(AnnotatedCSVError) {
            while let chunk = nextChunk() {
                try parser.feed(chunk, collect)
            }
            try parser.finish(collect)
        } catch {
            switch error {
            case .query(let message, let reference):
                return Outcome(
                    json: #"{"ok":false,"error":\#(JSON.string(message)),"reference":\#(JSON.string(reference))}"#,
                    status: 1)
            case .malformed:
                return Outcome(json: #"{"ok":false,"error":\#(JSON.string(error.description))}"#, status: 2)
            }
        }
        let rendered = tables.map { table, records in
            let columns = table.columns.map {
                #"{"name":\#(JSON.string($0.name)),"type":\#(JSON.string($0.type)),"group":\#($0.group),"default":\#(JSON.string($0.defaultValue))}"#
            }
            return
                #"{"result":\#(JSON.string(table.result)),"table":\#(table.table),"columns":[\#(columns.joined(separator: ","))],"records":[\#(records.joined(separator: ","))]}"#
        }
        return Outcome(json: #"{"ok":true,"tables":[\#(rendered.joined(separator: ","))]}"#, status: 0)
    }

    private static func record(_ values: [CSVValue], _ table: CSVTable) -> String {
        let pairs = zip(table.columns, values).map { column, value in "\(JSON.string(column.name)):\(json(value))" }
        return "{" + pairs.joined(separator: ",") + "}"
    }

    static func json(_ value: CSVValue) -> String {
        switch value {
        case .null: "null"
        case .string(let text), .duration(let text), .base64Binary(let text): JSON.string(text)
        case .long(let number): String(number)
        case .unsignedLong(let number): String(number)
        case .boolean(let flag): flag ? "true" : "false"
        case .dateTime(let time): JSON.string(time.description)
        case .double(let number):
            if number.isNaN {
                #""NaN""#
            } else if number.isInfinite {
                number > 0 ? #""+Inf""# : #""-Inf""#
            } else {
                "\(number)"
            }
        }
    }
}
