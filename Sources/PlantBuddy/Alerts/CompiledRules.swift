/// A person's rules as the hot path judges them: 16 bytes a rule, the sensor as its place in the
/// catalog and the device as its two ASCII bytes, so judging a reading touches a few cache lines
/// per user instead of their whole rule records (with 1,000 users that made the difference between
/// 9 % and a few per cent of a request's cost).
struct CompiledRules {
    struct Rule {
        /// The sensor's place in `sensors`; `.max` for a sensor the catalog does not know.
        let sensor: UInt8
        /// The device id's two ASCII bytes; 0: any device.
        let device: UInt16
        let kind: Kind
        /// The rule's place in `all`.
        let index: UInt16
        let threshold: Double
    }

    enum Kind: UInt8 {
        case atOrBelow, atOrAbove, silent
    }

    /// The person's own rules they were made from. Held, so no other array can take its storage
    /// while this is cached: an array with the same storage is then the same rules.
    let source: [AlertRule]
    /// Every rule that judges the person's readings (`AlertRules.rules(of:)`), in `rules`' order.
    let all: [AlertRule]
    let rules: [Rule]

    init(of user: UserRecord, rules effective: AlertRules, sensors: [String]) {
        source = user.rules ?? []
        all = effective.rules(of: user)
        var rules: [Rule] = []
        for (index, rule) in all.enumerated() {
            let (kind, threshold): (Kind, Double) =
                switch rule.condition {
                case .atOrBelow(let value): (.atOrBelow, value)
                case .atOrAbove(let value): (.atOrAbove, value)
                case .silentFor: (.silent, 0)
                }
            rules.append(
                Rule(
                    sensor: UInt8(sensors.firstIndex(of: rule.sensor) ?? Int(UInt8.max)),
                    device: rule.deviceID.map(Self.deviceCode) ?? 0, kind: kind, index: UInt16(index),
                    threshold: threshold))
        }
        self.rules = rules
    }

    /// Whether these were made from `own` (the same array storage).
    func isCompiled(from own: [AlertRule]) -> Bool {
        own.count == source.count
            && own.withUnsafeBufferPointer { mine in
                source.withUnsafeBufferPointer { theirs in mine.baseAddress == theirs.baseAddress }
            }
    }

    /// A two-byte device id as one number; ids are checked to be two ASCII letters or digits.
    static func deviceCode(_ id: String) -> UInt16 {
        var code: UInt16 = 0
        for byte in id.utf8.prefix(2) { code = code << 8 | UInt16(byte) }
        return code
    }
}
