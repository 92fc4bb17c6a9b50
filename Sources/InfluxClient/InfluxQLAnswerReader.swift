/// Reads the JSON of an InfluxQL answer (`{"results":[{"series":[{"name","tags","columns","values"}]}]}`,
/// as 1.x and 3.x's `/query` send it) from `JSONStreamParser`'s events, handing on each series as its
/// rows arrive. InfluxDB writes a series' name, tags and columns before its values, so a series is
/// announced when its values begin. An `error` (the whole answer's or one statement's) is kept.
public struct InfluxQLAnswerReader {
    private enum Place { case root, results, result, seriesList, series, tags, columns, values, row, other }

    private var places: [Place] = []
    private var key: String?
    private var name = ""
    private var tags: [String: String] = [:]
    private var columns: [String] = []
    private var row: [JSONScalar] = []
    /// The first error the answer reported, if any.
    public private(set) var error: String?

    public init() {}

    public mutating func add(_ event: JSONEvent, _ emit: (InfluxQLEvent) -> Void) {
        switch event {
        case .key(let name):
            key = name
        case .objectStart, .arrayStart:
            let place = Self.place(inside: places.last, under: key, isObject: event == .objectStart)
            switch place {
            case .series: (name, tags, columns) = ("", [:], [])
            case .values: emit(.series(name: name, tags: tags, columns: columns))
            case .row: row.removeAll(keepingCapacity: true)
            default: break
            }
            places.append(place)
            key = nil
        case .objectEnd, .arrayEnd:
            if places.popLast() == .row { emit(.row(row)) }
            key = nil
        case .string, .number, .bool, .null:
            guard let scalar = JSONScalar(event) else { return }
            take(scalar)
            key = nil
        }
    }

    private mutating func take(_ scalar: JSONScalar) {
        switch (places.last, key) {
        case (.row, _): row.append(scalar)
        case (.root, "error"), (.result, "error"): if error == nil { error = scalar.text }
        case (.series, "name"): name = scalar.text ?? ""
        case (.tags, let tag?): tags[tag] = scalar.text ?? ""
        case (.columns, _): columns.append(scalar.text ?? "")
        default: break
        }
    }

    private static func place(inside parent: Place?, under key: String?, isObject: Bool) -> Place {
        switch (parent, key, isObject) {
        case (nil, _, true): .root
        case (.root, "results", false): .results
        case (.results, _, true): .result
        case (.result, "series", false): .seriesList
        case (.seriesList, _, true): .series
        case (.series, "tags", true): .tags
        case (.series, "columns", false): .columns
        case (.series, "values", false): .values
        case (.values, _, false): .row
        default: .other
        }
    }
}
