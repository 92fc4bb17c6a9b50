/// What a person may ask of their rules: how many, which values, how short a silence.
public struct AlertRuleLimits: Sendable, Equatable {
    /// `PLANTBUDDY_MAX_RULES`.
    public var maxRulesPerUser: Int
    /// The shortest "no reading for" a rule may ask for (`PLANTBUDDY_MIN_SILENCE`).
    public var minSilenceSeconds: Int
    /// The longest one (`PLANTBUDDY_MAX_SILENCE`): InfluxDB's check looks back this far for a last reading.
    public var maxSilenceSeconds: Int
    /// Thresholds beyond this are not readings any sensor sends.
    public static let largestThreshold = 1_000_000_000.0

    public init(maxRulesPerUser: Int, minSilenceSeconds: Int, maxSilenceSeconds: Int) {
        self.maxRulesPerUser = maxRulesPerUser
        self.minSilenceSeconds = minSilenceSeconds
        self.maxSilenceSeconds = maxSilenceSeconds
    }
}

/// Why a rule or a device name cannot be stored, in words for the settings form and the CLI.
public struct AlertRuleError: Error, Equatable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}

extension AlertRule {
    /// Checks the rule against the catalog and the limits; the user's other rules count toward the limit.
    public func validate(
        catalog: SensorCatalog, limits: AlertRuleLimits, existingRules: Int
    ) throws(AlertRuleError) {
        guard existingRules < limits.maxRulesPerUser else {
            throw AlertRuleError("at most \(limits.maxRulesPerUser) rules per person; remove one first")
        }
        guard catalog.measurements.values.contains(sensor) else {
            let known = catalog.measurements.values.sorted().joined(separator: ", ")
            throw AlertRuleError("unknown sensor '\(sensor)' (known: \(known))")
        }
        if let deviceID, !DeviceName.isValidDeviceID(deviceID) {
            throw AlertRuleError("a device id is two letters or digits, such as 01")
        }
        switch condition {
        case .atOrBelow(let value), .atOrAbove(let value):
            guard value.isFinite, abs(value) <= AlertRuleLimits.largestThreshold else {
                throw AlertRuleError("the value must be a number between -1000000000 and 1000000000")
            }
        case .silentFor(let seconds):
            guard seconds >= limits.minSilenceSeconds, seconds <= limits.maxSilenceSeconds else {
                throw AlertRuleError(
                    "a silence must last from \(AlertCondition.duration(limits.minSilenceSeconds)) "
                        + "to \(AlertCondition.duration(limits.maxSilenceSeconds))")
            }
        }
    }
}
