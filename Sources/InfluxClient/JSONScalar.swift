/// A JSON value that is not a container: a cell of an InfluxQL row or of a SQL answer's row.
public enum JSONScalar: Equatable, Sendable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    init?(_ event: JSONEvent) {
        switch event {
        case .string(let text): self = .string(text)
        case .number(let number): self = .number(number)
        case .bool(let flag): self = .bool(flag)
        case .null: self = .null
        case .objectStart, .objectEnd, .arrayStart, .arrayEnd, .key: return nil
        }
    }

    public var number: Double? {
        guard case .number(let number) = self else { return nil }
        return number
    }

    public var text: String? {
        guard case .string(let text) = self else { return nil }
        return text
    }
}
