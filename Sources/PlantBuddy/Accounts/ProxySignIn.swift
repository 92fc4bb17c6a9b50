/// Who may sign in through a reverse proxy's header, and from where.
struct ProxySignIn: Sendable {
    /// Empty: off.
    var header = ""
    var trustedAddresses: Set<String> = []
}
