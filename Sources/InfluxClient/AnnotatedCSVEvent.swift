public enum AnnotatedCSVEvent: Equatable, Sendable {
    /// A new table begins; the records that follow belong to it.
    case table(CSVTable)
    /// One row, one value per column of the current table.
    case record([CSVValue])
}
