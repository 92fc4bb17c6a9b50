public enum UserStoreError: Error, Equatable, CustomStringConvertible {
    case invalidName(String)
    case exists(String)
    case notFound(String)
    case io(String)
    /// A change the person asked for that cannot be made, and why (shown on the form as it is).
    case refused(String)

    public var description: String {
        switch self {
        case .invalidName(let reason): "invalid user name: \(reason)"
        case .exists(let name): "user '\(name)' already exists"
        case .notFound(let name): "no user named '\(name)'"
        case .io(let message): message
        case .refused(let reason): reason
        }
    }
}
