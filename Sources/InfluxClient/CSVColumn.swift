public struct CSVColumn: Equatable, Sendable {
    public var name: String
    /// The `#datatype` annotation (`string` when there is none).
    public var type: String
    public var group: Bool
    public var defaultValue: String
}
