/// Exact-path routing by method. Unknown path → 404; known path, other method → 405 with `Allow`.
/// `HEAD` is served by the `GET` handler; the server drops the body.
public struct Router: HTTPResponder {
    /// May block: runs on the server's worker pool.
    public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse
    /// Must not block: runs on the I/O thread and answers through the reply, now or later.
    public typealias NonBlockingHandler = @Sendable (HTTPRequest, HTTPReply) -> Void

    /// A path and its handlers: one to three methods, found by a look along them (cheaper than
    /// hashing the method, and the path was hashed already).
    public struct Route: Sendable {
        public let path: String
        /// Where the path came in the order paths were added, `0..<routeCount`: for tables kept
        /// beside the router (the request metrics), indexed rather than hashed.
        public let index: Int
        fileprivate var handlers: [MethodHandler]

        fileprivate func handler(for method: HTTPMethod) -> NonBlockingHandler? {
            handlers.first { $0.method == method }?.handle
        }
    }

    /// A struct, not a tuple: a closure kept in an array's tuple is stored generically and comes
    /// out wrapped in a reabstraction thunk, an allocation per request.
    fileprivate struct MethodHandler: Sendable {
        let method: HTTPMethod
        let handle: NonBlockingHandler
    }

    private var routes: [String: Route] = [:]
    private var batchHooks: [@Sendable () -> Void] = []

    public init() {}

    /// How many paths have routes.
    public var routeCount: Int { routes.count }

    public mutating func add(_ method: HTTPMethod, _ path: String, _ handler: @escaping Handler) {
        addNonBlocking(method, path) { request, reply in reply.sendFromWorker { handler(request) } }
    }

    /// A second handler for the same method and path replaces the first.
    public mutating func addNonBlocking(_ method: HTTPMethod, _ path: String, _ handler: @escaping NonBlockingHandler) {
        var route = routes[path] ?? Route(path: path, index: routes.count, handlers: [])
        route.handlers.removeAll { $0.method == method }
        route.handlers.append(MethodHandler(method: method, handle: handler))
        routes[path] = route
    }

    /// Runs `hook` after each batch of requests an I/O thread dispatched (see `HTTPResponder`).
    public mutating func onBatchDispatched(_ hook: @escaping @Sendable () -> Void) { batchHooks.append(hook) }

    public func batchDispatched() { for hook in batchHooks { hook() } }

    /// The route of the request's path, if it has one.
    public func route(for request: HTTPRequest) -> Route? { routes[String(request.path)] }

    public func respond(to request: HTTPRequest, reply: HTTPReply) {
        respond(to: request, on: route(for: request), reply: reply)
    }

    /// Answers by `route`, what `route(for:)` found for the request: for a responder in front of
    /// the router that needs the route too, so the path is looked up once.
    public func respond(to request: HTTPRequest, on route: Route?, reply: HTTPReply) {
        guard let route else { return reply.send(.text(.notFound, "not found")) }
        let method = request.method == .head && route.handler(for: .head) == nil ? .get : request.method
        guard let handler = route.handler(for: method) else {
            var allowed = route.handlers.map(\.method.rawValue)
            if route.handler(for: .get) != nil && route.handler(for: .head) == nil { allowed.append("HEAD") }
            var response = HTTPResponse.text(.methodNotAllowed, "method not allowed")
            response.headers.add("Allow", allowed.sorted().joined(separator: ", "))
            return reply.send(response)
        }
        handler(request, reply)
    }
}
