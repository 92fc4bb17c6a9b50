/// The annotation rows of one annotated-CSV block (`#datatype`, `#group`, `#default`), which say
/// what the header's columns hold.
struct CSVAnnotations {
    private var datatypes: [String]?
    private var groups: [String]?
    private var defaults: [String]?

    /// The first cell's default: an error block's message when its row leaves it empty.
    var firstDefault: String? { defaults?.first }

    /// Keeps an annotation row's values (the cells after its name). Unknown annotations are ignored,
    /// as Flux's own decoder does.
    mutating func record(_ name: String, values: [String]) {
        switch name {
        case "#datatype": datatypes = values
        case "#group": groups = values
        case "#default": defaults = values
        default: break
        }
    }

    /// The header's columns as the annotations describe them; a column without one is a string
    /// outside the group key with an empty default.
    func columns(named names: [String]) -> [CSVColumn] {
        names.indices.map { index in
            CSVColumn(
                name: names[index], type: Self.value(datatypes, index) ?? "string",
                group: Self.value(groups, index) == "true", defaultValue: Self.value(defaults, index) ?? "")
        }
    }

    private static func value(_ row: [String]?, _ index: Int) -> String? {
        guard let row, row.indices.contains(index) else { return nil }
        return row[index]
    }
}
