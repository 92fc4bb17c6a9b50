import Dispatch
public import HTTPServer
import Synchronization

/// Calls a responder as the server's event loop does (the request, then `batchDispatched`, and a
/// worker for handlers that may block), without a socket: one request in, its answer out. Endpoint
/// tests get exact answers with no network and no sleeps.
public enum ResponderProbe {
    /// The answer to `request`. Throws if none comes within `timeout` (a handler that never answers).
    public static func answer(
        _ request: HTTPRequest, from responder: some HTTPResponder, timeout: Duration = .seconds(30)
    ) throws -> HTTPResponse {
        let answered = DispatchSemaphore(value: 0)
        let answers = Mutex<[HTTPResponse]>([])
        let reply = HTTPReply(
            deliver: { response in
                answers.withLock { $0.append(response) }
                answered.signal()
            },
            offload: { job in DispatchQueue.global().async(execute: job) })
        responder.respond(to: request, reply: reply)
        responder.batchDispatched()
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        guard answered.wait(timeout: .now() + seconds) == .success else {
            throw TestError("\(request.method) \(request.target) got no answer within \(timeout)")
        }
        let all = answers.withLock { $0 }
        guard all.count == 1 else { throw TestError("\(request.target) was answered \(all.count) times") }
        return all[0]
    }
}

extension HTTPRequest {
    /// A request as a client would send it, with `Host` set.
    public static func make(
        _ method: HTTPMethod, _ target: String, headers: [(String, String)] = [], body: String = "",
        from remoteAddress: String = "127.0.0.1:40000"
    ) -> HTTPRequest {
        var fields: HTTPHeaders = ["Host": "gateway.test"]
        for (name, value) in headers { fields.add(name, value) }
        if !body.isEmpty { fields.add("Content-Length", String(body.utf8.count)) }
        return HTTPRequest(
            method: method, target: target, headers: fields, body: Array(body.utf8), remoteAddress: remoteAddress)
    }
}

extension HTTPResponse {
    /// The body as text.
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The first value of a header, ignoring case.
    public func header(_ name: String) -> String? { headers[name] }
}
