/// What an InfluxQL answer holds, series by series, as `InfluxQLAnswerReader` reads it.
public enum InfluxQLEvent: Equatable, Sendable {
    /// A series begins: its measurement, tags and column names (`time` first); its rows follow.
    case series(name: String, tags: [String: String], columns: [String])
    /// One row of the current series, one cell per column.
    case row([JSONScalar])
}
