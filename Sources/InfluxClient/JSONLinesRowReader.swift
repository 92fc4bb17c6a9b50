/// Reads JSON Lines of flat objects (InfluxDB 3's `jsonl` answers: one row per line, column name to
/// value) from `JSONStreamParser`'s events, handing on each row once its object closes. Nested
/// values are skipped.
public struct JSONLinesRowReader {
    private var depth = 0
    private var key: String?
    private var row: [String: JSONScalar] = [:]

    public init() {}

    public mutating func add(_ event: JSONEvent, _ emit: ([String: JSONScalar]) -> Void) {
        switch event {
        case .objectStart, .arrayStart:
            depth += 1
            if depth == 1 { row.removeAll(keepingCapacity: true) }
        case .objectEnd, .arrayEnd:
            depth -= 1
            if depth == 0 { emit(row) }
        case .key(let name):
            key = name
        case .string, .number, .bool, .null:
            if depth == 1, let key, let scalar = JSONScalar(event) { row[key] = scalar }
            key = nil
        }
    }
}
