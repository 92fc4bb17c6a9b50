/// A typed cell of an annotated-CSV table.
public enum CSVValue: Equatable, Sendable {
    case null
    case string(String)
    case long(Int64)
    case unsignedLong(UInt64)
    case double(Double)
    case boolean(Bool)
    case dateTime(Timestamp)
    /// Kept as written (`1h30m`).
    case duration(String)
    /// Kept as written.
    case base64Binary(String)

    public static func == (lhs: CSVValue, rhs: CSVValue) -> Bool {
        switch (lhs, rhs) {
        case (.double(let a), .double(let b)): a == b || (a.isNaN && b.isNaN)
        case (.null, .null): true
        case (.string(let a), .string(let b)), (.duration(let a), .duration(let b)),
            (.base64Binary(let a), .base64Binary(let b)):
            a == b
        case (.long(let a), .long(let b)): a == b
        case (.unsignedLong(let a), .unsignedLong(let b)): a == b
        case (.boolean(let a), .boolean(let b)): a == b
        case (.dateTime(let a), .dateTime(let b)): a == b
        default: false
        }
    }
}
