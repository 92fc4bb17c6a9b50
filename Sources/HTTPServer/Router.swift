/// Exact-path routing by method. Unknown path → 404; known path, other method → 405 with `Allow`.
/// `HEAD` is served by the `GET` handler; the server drops the body.
public struct Router: HTTPResponder {
    /// May block: runs on the server's worker pool.
    public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse
    /// Must not block: runs on the I/O thread and answers through the reply, now or later.
    public typealias NonBlockingHandler = @Sendable (HTTPRequest, HTTPReply) -> Void

    private var routes: [String: [HTTPMethod: NonBlockingHandler]] = [:]
    private var batchHooks: [@Sendable () -> Void] = []

    public init() {}

    public mutating func add(_ method: HTTPMethod, _ path: String, _ handler: @escaping Handler) {
        addNonBlocking(method, path) { request, reply in reply.sendFromWorker { handler(request) } }
    }

    public mutating func addNonBlocking(_ method: HTTPMethod, _ path: String, _ handler: @escaping NonBlockingHandler) {
        routes[path, default: [:]][method] = handler
    }

    /// Runs `hook` after each batch of requests an I/O thread dispatched (see `HTTPResponder`).
    public mutating func onBatchDispatched(_ hook: @escaping @Sendable () -> Void) { batchHooks.append(hook) }

    public func batchDispatched() { for hook in batchHooks { hook() } }

    public func respond(to request: HTTPRequest, reply: HTTPReply) {
        guard let handlers = routes[String(request.path)] else { return reply.send(.text(.notFound, "not found")) }
        let method = request.method == .head && handlers[.head] == nil ? .get : request.method
        guard let handler = handlers[method] else {
            var allowed = handlers.keys.map(\.rawValue)
            if handlers[.get] != nil && handlers[.head] == nil { allowed.append("HEAD") }
            var response = HTTPResponse.text(.methodNotAllowed, "method not allowed")
            response.headers.add("Allow", allowed.sorted().joined(separator: ", "))
            return reply.send(response)
        }
        handler(request, reply)
    }
}
