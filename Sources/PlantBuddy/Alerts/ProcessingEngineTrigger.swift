import InfluxClient

/// One of Plant Buddy's triggers as InfluxDB 3 lists it (`system.processing_engine_triggers`): setup
/// compares them with the ones it would make, and the gateway looks for the alerts trigger to know who
/// evaluates alerts.
struct ProcessingEngineTrigger: Equatable {
    /// Every Plant Buddy trigger's name starts so; the digest of its plugin and settings follows.
    static let prefix = "plantbuddy_"
    static let downsamplePrefix = "plantbuddy_downsample_"
    static let alertsPrefix = "plantbuddy_alerts_"

    let name: String
    let disabled: Bool

    /// Plant Buddy's triggers on `database`.
    static func installed(on database: String, influx: InfluxDBClient) throws(InfluxError) -> [Self] {
        var found: [Self] = []
        try influx.sql(
            "SELECT trigger_name, disabled FROM system.processing_engine_triggers", database: database,
            columns: ["trigger_name", "disabled"]
        ) { row in
            if let name = row[0].text, name.hasPrefix(prefix) {
                found.append(Self(name: name, disabled: row[1] == .bool(true)))
            }
        }
        return found
    }
}
