/// Which rules judge a person's readings: their own, and the default soil-moisture rule
/// (`PLANTBUDDY_SOIL_CRIT`) until they set a soil-moisture rule of their own.
struct AlertRules: Sendable {
    static let defaultSoilID = "default-soil"

    private let defaultSoil: AlertRule

    init(defaultSoilThreshold: Double) {
        defaultSoil = AlertRule(
            id: Self.defaultSoilID, sensor: "soil_moisture", condition: .atOrBelow(defaultSoilThreshold))
    }

    func rules(of user: UserRecord) -> [AlertRule] {
        let own = user.rules ?? []
        return own.contains { $0.sensor == defaultSoil.sensor } ? own : own + [defaultSoil]
    }
}
