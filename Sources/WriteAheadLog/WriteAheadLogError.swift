public enum WriteAheadLogError: Error, Equatable, Sendable, CustomStringConvertible {
    case full(limit: Int)
    case io(String)
    case closed

    public var description: String {
        switch self {
        case .full(let limit): "write buffer full (\(limit) bytes)"
        case .io(let message): message
        case .closed: "write-ahead log closed"
        }
    }
}
