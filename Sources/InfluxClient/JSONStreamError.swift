public enum JSONStreamError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are not JSON; `offset` counts bytes from the start of the stream.
    case malformed(offset: Int, reason: String)
    /// One string or number is longer than the parser's limit.
    case tokenTooLong(limit: Int)
    /// Containers nest deeper than the parser's limit.
    case tooDeep(limit: Int)

    public var description: String {
        switch self {
        case .malformed(let offset, let reason): "malformed JSON at byte \(offset): \(reason)"
        case .tokenTooLong(let limit): "a JSON string or number is longer than \(limit) bytes"
        case .tooDeep(let limit): "JSON nests deeper than \(limit) levels"
        }
    }
}
