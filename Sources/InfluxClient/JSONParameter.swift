/// A value bound to a `$name` placeholder of an InfluxDB 3 SQL query, sent as JSON.
public enum JSONParameter: Equatable, Sendable {
    case string(String)
    case integer(Int64)

    var json: String {
        switch self {
        case .string(let text): InfluxDBClient.jsonString(text)
        case .integer(let number): String(number)
        }
    }
}
