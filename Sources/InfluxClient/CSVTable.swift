/// One table of a Flux result: its result name, table id and columns (annotation column excluded).
public struct CSVTable: Equatable, Sendable {
    public var result: String
    public var table: Int64
    public var columns: [CSVColumn]
}
