/// Which write/query API to speak: the v1 API (InfluxDB 1.x), the v2 API (InfluxDB 2.x and Cloud),
/// InfluxDB 3's own API (`/api/v3/write_lp`, `/api/v3/query_sql`: Core and Enterprise); `auto`
/// asks `/ping` once.
public enum InfluxAPI: String, Sendable, CaseIterable {
    case v1, v2, v3, auto
}
