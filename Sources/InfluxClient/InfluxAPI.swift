/// Which write/query API to speak: the v1 API (InfluxDB 1.x, and 3.x's compatibility endpoints) or
/// the v2 API (InfluxDB 2.x and Cloud); `auto` asks `/ping` once.
public enum InfluxAPI: String, Sendable, CaseIterable {
    case v1, v2, auto
}
