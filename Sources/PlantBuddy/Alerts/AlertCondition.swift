/// When a rule fires. Stored as `{"kind":"below","value":35}`, `{"kind":"above",…}` or
/// `{"kind":"silent","seconds":3600}`, the shape the InfluxDB tasks and plugins read too.
public enum AlertCondition: Equatable, Sendable, Codable {
    /// A reading at or below the value.
    case atOrBelow(Double)
    /// A reading at or above the value.
    case atOrAbove(Double)
    /// No reading for this many seconds (a device that went silent, or whose battery died).
    case silentFor(seconds: Int)

    /// Whether a reading puts the rule in alert (never, for a silence rule: readings end silence).
    public func isAlerting(_ value: Double) -> Bool {
        switch self {
        case .atOrBelow(let threshold): value <= threshold
        case .atOrAbove(let threshold): value >= threshold
        case .silentFor: false
        }
    }

    public var summary: String {
        switch self {
        case .atOrBelow(let value): "at or below \(Self.number(value))"
        case .atOrAbove(let value): "at or above \(Self.number(value))"
        case .silentFor(let seconds): "silent for \(Self.duration(seconds))"
        }
    }

    /// The kind as the stored shape names it: `below`, `above` or `silent`.
    public var kind: String {
        switch self {
        case .atOrBelow: "below"
        case .atOrAbove: "above"
        case .silentFor: "silent"
        }
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }

    static func duration(_ seconds: Int) -> String {
        for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60)] where seconds % size == 0 && seconds >= size {
            return "\(seconds / size)\(unit)"
        }
        return "\(seconds)s"
    }

    private enum CodingKeys: String, CodingKey { case kind, value, seconds }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .kind) {
        case "below": self = .atOrBelow(try container.decode(Double.self, forKey: .value))
        case "above": self = .atOrAbove(try container.decode(Double.self, forKey: .value))
        case "silent": self = .silentFor(seconds: try container.decode(Int.self, forKey: .seconds))
        case let other:
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: container, debugDescription: "unknown alert kind '\(other)'")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        switch self {
        case .atOrBelow(let value), .atOrAbove(let value): try container.encode(value, forKey: .value)
        case .silentFor(let seconds): try container.encode(seconds, forKey: .seconds)
        }
    }
}
