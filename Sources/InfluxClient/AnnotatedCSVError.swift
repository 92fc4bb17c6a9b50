public enum AnnotatedCSVError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The server reported an error inside the stream (an `error,reference` table).
    case query(message: String, reference: String)
    /// The bytes are not annotated CSV.
    case malformed(line: Int, reason: String)

    public var description: String {
        switch self {
        case .query(let message, let reference): reference.isEmpty ? message : "\(message) (reference \(reference))"
        case .malformed(let line, let reason): "malformed annotated CSV at line \(line): \(reason)"
        }
    }
}
