/// Answers a request. Called on a worker thread, so it may block.
public protocol HTTPResponder: Sendable {
    func respond(to request: HTTPRequest) -> HTTPResponse
}

/// Exact-path routing by method. Unknown path → 404; known path, other method → 405 with `Allow`.
/// `HEAD` is served by the `GET` handler; the server drops the body.
public struct Router: HTTPResponder {
    public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse

    private var routes: [String: [HTTPMethod: Handler]] = [:]

    public init() {}

    public mutating func add(_ method: HTTPMethod, _ path: String, _ handler: @escaping Handler) {
        routes[path, default: [:]][method] = handler
    }

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        guard let handlers = routes[String(request.path)] else { return .text(.notFound, "not found") }
        let method = request.method == .head && handlers[.head] == nil ? .get : request.method
        guard let handler = handlers[method] else {
            var allowed = handlers.keys.map(\.rawValue)
            if handlers[.get] != nil && handlers[.head] == nil { allowed.append("HEAD") }
            var response = HTTPResponse.text(.methodNotAllowed, "method not allowed")
            response.headers.add("Allow", allowed.sorted().joined(separator: ", "))
            return response
        }
        return handler(request)
    }
}
