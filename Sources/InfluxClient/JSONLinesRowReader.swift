/// Reads JSON Lines of flat objects (InfluxDB 3's `jsonl` answers: one row per line, column name to
/// value) from `JSONStreamParser`'s events, handing on each row once its object closes as the cells
/// of the `columns` asked for, in that order (`.null` where a row lacks one: 3.x omits null columns).
/// Other columns and nested values are skipped; no dictionary is made per row.
public struct JSONLinesRowReader {
    public let columns: [String]
    private var depth = 0
    private var column: Int?
    private var row: [JSONScalar]

    public init(columns: [String]) {
        self.columns = columns
        row = Array(repeating: .null, count: columns.count)
    }

    public mutating func add(_ event: JSONEvent, _ emit: ([JSONScalar]) -> Void) {
        switch event {
        case .objectStart, .arrayStart:
            depth += 1
            if depth == 1 {
                for index in row.indices { row[index] = .null }
            }
        case .objectEnd, .arrayEnd:
            depth -= 1
            if depth == 0 { emit(row) }
        case .key(let name):
            column = depth == 1 ? columns.firstIndex(of: name) : nil
        case .string, .number, .bool, .null:
            if let column, let scalar = JSONScalar(event) { row[column] = scalar }
            column = nil
        }
    }
}
