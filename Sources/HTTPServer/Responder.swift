/// Answers requests. Called on the connection's I/O thread, so it must not block: answer at once
/// through `reply`, or hand the work on (`reply.sendFromWorker`, or any thread of your own) and
/// answer from there.
public protocol HTTPResponder: Sendable {
    func respond(to request: HTTPRequest, reply: HTTPReply)

    /// Called on an I/O thread after it has dispatched a batch of requests, before it writes their
    /// answers: work a responder gathers per batch (one log write for many requests) is done here,
    /// and answers sent now leave with the rest of the batch.
    func batchDispatched()
}

extension HTTPResponder {
    public func batchDispatched() {}
}

/// The way back to one request's connection. Send exactly once, from any thread; a reply sent
/// before `respond` returns is written without waking the loop.
public struct HTTPReply: Sendable {
    private let deliver: @Sendable (HTTPResponse) -> Void
    private let offload: @Sendable (@escaping @Sendable () -> Void) -> Void

    /// `offload` runs a job where blocking is allowed (the server's worker pool).
    public init(
        deliver: @escaping @Sendable (HTTPResponse) -> Void,
        offload: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void
    ) {
        self.deliver = deliver
        self.offload = offload
    }

    public func send(_ response: HTTPResponse) { deliver(response) }

    /// Runs `answer` on the worker pool, where it may block, and sends what it returns.
    public func sendFromWorker(_ answer: @escaping @Sendable () -> HTTPResponse) {
        offload { [deliver] in deliver(answer()) }
    }

    /// A reply that shows each response to `observe` (access log, metrics) before sending it.
    public func observing(_ observe: @escaping @Sendable (inout HTTPResponse) -> Void) -> HTTPReply {
        HTTPReply(
            deliver: { [deliver] response in
                var response = response
                observe(&response)
                deliver(response)
            }, offload: offload)
    }
}
