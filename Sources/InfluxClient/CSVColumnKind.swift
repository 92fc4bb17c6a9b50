/// How a column's cells are read, from its `#datatype` annotation.
enum CSVColumnKind {
    case string, long, unsignedLong, double, boolean, dateTime, duration, base64Binary, other

    init(_ type: String) {
        switch type {
        case "string": self = .string
        case "long": self = .long
        case "unsignedLong": self = .unsignedLong
        case "double": self = .double
        case "boolean": self = .boolean
        case "dateTime:RFC3339", "dateTime:RFC3339Nano", "dateTime": self = .dateTime
        case "duration": self = .duration
        case "base64Binary": self = .base64Binary
        default: self = .other  // an unknown type keeps its text rather than failing the query
        }
    }

    /// Converts one cell's bytes; nil if they are not of the kind. An empty cell is null.
    func decode(_ cell: UnsafeRawBufferPointer) -> CSVValue? {
        guard !cell.isEmpty else { return .null }
        switch self {
        case .string, .other: return .string(String(decoding: cell, as: UTF8.self))
        case .duration: return .duration(String(decoding: cell, as: UTF8.self))
        case .base64Binary: return .base64Binary(String(decoding: cell, as: UTF8.self))
        case .long: return Int64(decimal: cell).map(CSVValue.long)
        case .unsignedLong: return UInt64(decimal: cell).map(CSVValue.unsignedLong)
        case .double: return FastDouble.parse(cell).map(CSVValue.double)
        case .boolean:
            if cell.elementsEqual("true".utf8) { return .boolean(true) }
            if cell.elementsEqual("false".utf8) { return .boolean(false) }
            return nil
        case .dateTime: return Timestamp.parse(cell).map(CSVValue.dateTime)
        }
    }
}
