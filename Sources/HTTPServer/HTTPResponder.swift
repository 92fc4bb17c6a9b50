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
