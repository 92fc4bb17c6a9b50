/// The way back to one request's connection. Send exactly once, from any thread; a reply sent
/// before `respond` returns is written without waking the loop. A response is handed on, not
/// copied, at every step (`consuming`): a copy is a retain and a release of each of its buffers.
public struct HTTPReply: Sendable {
    /// Where a response goes: the server's replies name their loop and connection (no closure,
    /// so no allocation per request); others deliver through a function.
    private enum Destination {
        case connection(UInt64, on: EventLoop)
        case function(@Sendable (consuming HTTPResponse) -> Void)
    }

    private let destination: Destination
    private let offload: @Sendable (@escaping @Sendable () -> Void) -> Void
    /// Shown each response before it is delivered. Held beside the destination rather than
    /// wrapped around it: a wrapping closure was one more allocation per request.
    private var observe: (@Sendable (inout HTTPResponse) -> Void)?

    /// `offload` runs a job where blocking is allowed (the server's worker pool).
    public init(
        deliver: @escaping @Sendable (consuming HTTPResponse) -> Void,
        offload: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void
    ) {
        destination = .function(deliver)
        self.offload = offload
    }

    /// The answer to the request `loop` is serving on `connection`.
    init(
        connection: UInt64, on loop: EventLoop, offload: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void
    ) {
        destination = .connection(connection, on: loop)
        self.offload = offload
    }

    public func send(_ response: consuming HTTPResponse) {
        // Shown and handed on as the consumed parameter itself: a copy into a local was a retain
        // and a release of each of its buffers.
        observe?(&response)
        deliver(consume response)
    }

    private func deliver(_ response: consuming HTTPResponse) {
        switch destination {
        case .connection(let connection, let loop): loop.deliver(consume response, to: connection)
        case .function(let deliver): deliver(consume response)
        }
    }

    /// Runs `answer` on the worker pool, where it may block, and sends what it returns.
    public func sendFromWorker(_ answer: @escaping @Sendable () -> HTTPResponse) {
        offload { [self] in send(answer()) }
    }

    /// A reply that shows each response to `observe` (access log, metrics) before sending it,
    /// and before any observer this reply already has sees it.
    public func observing(_ observe: @escaping @Sendable (inout HTTPResponse) -> Void) -> HTTPReply {
        var observed = self
        if let earlier = self.observe {
            observed.observe = { response in
                observe(&response)
                earlier(&response)
            }
        } else {
            observed.observe = observe
        }
        return observed
    }
}
