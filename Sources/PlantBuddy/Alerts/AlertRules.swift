/// Which rules judge a person's readings: their own, and the default soil-moisture rule
/// (`PLANTBUDDY_SOIL_CRIT`) until they set a soil-moisture rule of their own.
struct AlertRules: Sendable {
    static let defaultSoilID = "default-soil"

    let defaultSoil: AlertRule

    init(defaultSoilThreshold: Double) {
        defaultSoil = AlertRule(
            id: Self.defaultSoilID, sensor: "soil_moisture", condition: .atOrBelow(defaultSoilThreshold))
    }

    /// The same rules one by one, without making an array: this runs for every reading.
    func forEachRule(of user: UserRecord, _ body: (AlertRule) -> Void) {
        var ownSoil = false
        for rule in user.rules ?? [] {
            ownSoil = ownSoil || rule.sensor == defaultSoil.sensor
            body(rule)
        }
        if !ownSoil { body(defaultSoil) }
    }

    func rules(of user: UserRecord) -> [AlertRule] {
        let own = user.rules ?? []
        return own.contains { $0.sensor == defaultSoil.sensor } ? own : own + [defaultSoil]
    }
}
