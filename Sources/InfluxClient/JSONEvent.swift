/// One token of a JSON text, in document order, as `JSONStreamParser` reads it.
public enum JSONEvent: Equatable, Sendable {
    case objectStart, objectEnd, arrayStart, arrayEnd
    /// An object member's name; its value's events follow.
    case key(String)
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
}
