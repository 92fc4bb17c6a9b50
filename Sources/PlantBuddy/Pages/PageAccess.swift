import HTTPServer

/// Who is signed in, and the CSRF token their forms carry: shared by every page.
struct PageAccess: Sendable {
    let users: UserStore
    let sessions: SessionSigner
    let proxy: ProxySignIn

    /// The signed-in user: a trusted proxy's header, else a valid session cookie of an existing user
    /// (a cookie of a user since removed signs nobody in).
    func user(_ request: HTTPRequest) -> UserRecord? {
        if let name = proxyUser(request) { return users.user(named: name) }
        return sessions.user(from: request.headers).flatMap(users.user(named:))
    }

    /// The token a signed-in page's forms carry: a MAC of the session cookie (or, behind a signing-in
    /// proxy, of the user name), so another site cannot make one.
    func csrfToken(_ request: HTTPRequest) -> String? { binding(request).map { sessions.csrfToken(binding: $0) } }

    /// Whether a posted form's `csrf` field was made for this browser's sign-in.
    func isValidForm(_ token: String?, _ request: HTTPRequest) -> Bool {
        guard let binding = binding(request) else { return false }
        return sessions.isValidCSRF(token, binding: binding)
    }

    private func binding(_ request: HTTPRequest) -> String? {
        if let session = SessionSigner.cookie(SessionSigner.cookieName, in: request.headers) { return session }
        return proxyUser(request).map { "proxy:" + $0 }
    }

    private func proxyUser(_ request: HTTPRequest) -> String? {
        guard !proxy.header.isEmpty, proxy.trustedAddresses.contains(Self.clientAddress(request)) else { return nil }
        return request.headers[proxy.header]
    }

    /// The peer's IP address without the port.
    static func clientAddress(_ request: HTTPRequest) -> String {
        guard let colon = request.remoteAddress.lastIndex(of: ":") else { return request.remoteAddress }
        return String(request.remoteAddress[..<colon])
    }
}
