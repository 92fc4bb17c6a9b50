public enum FieldValue: Sendable, Equatable {
    case integer(Int64)
    case unsigned(UInt64)
    case float(Double)
    case boolean(Bool)
    case string(String)
}
