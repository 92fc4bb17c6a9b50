/// The one place that applies the server's timeouts to a connection: when its current wait runs
/// out, and what running out means. Times are monotonic milliseconds handed in by the caller (the
/// event loop passes its clock's), so tests drive it with any clock and never wait.
struct ConnectionTimer {
    /// The server's timeouts, in milliseconds.
    struct Timeouts {
        var header: UInt64
        var body: UInt64
        var idle: UInt64
        var write: UInt64
        /// After our final response, how long a client may go on sending before we close.
        var linger: UInt64 = 2000

        init(_ configuration: HTTPServerConfiguration) {
            header = configuration.headerReadTimeout.milliseconds
            body = configuration.bodyReadTimeout.milliseconds
            idle = configuration.idleTimeout.milliseconds
            write = configuration.writeTimeout.milliseconds
        }
    }

    /// What a connection's passed deadline calls for.
    enum Expiry: Equatable {
        /// The client stopped reading our answer: close, counted as a write timeout.
        case clientNotReading
        /// The client is too slow sending its request (`phase` is `header` or `body`): answer 408.
        case requestTooSlow(phase: String)
        /// Idle between requests, or never sent a byte: close quietly.
        case idle
        /// Our final answer was sent or is being sent: close (a write timeout if it is still unsent).
        case closing
    }

    let timeouts: Timeouts
    /// When the current wait runs out; `.max` while a handler has the request (handlers have no timeout).
    private(set) var deadline: UInt64
    private var requestStartedAt: UInt64?
    private var headReceivedAt: UInt64?

    /// A new connection has the header timeout to send its first request.
    init(timeouts: Timeouts, acceptedAt now: UInt64) {
        self.timeouts = timeouts
        deadline = now + timeouts.header
    }

    /// Part of a request is buffered; the head is complete once `headComplete`.
    mutating func receiving(at now: UInt64, headComplete: Bool) {
        if requestStartedAt == nil { requestStartedAt = now }
        if headComplete && headReceivedAt == nil { headReceivedAt = now }
    }

    /// Waiting for more of a request: the body timeout runs from the head, the header timeout from the first byte.
    mutating func awaitingInput() {
        if let head = headReceivedAt {
            deadline = head + timeouts.body
        } else if let start = requestStartedAt {
            deadline = start + timeouts.header
        }
    }

    /// A complete request went to a handler: no deadline until its answer.
    mutating func dispatched() {
        deadline = .max
        requestStartedAt = nil
        headReceivedAt = nil
    }

    /// The socket's send buffer is full: the client has the write timeout to read on.
    mutating func awaitingClientReading(at now: UInt64) { deadline = now + timeouts.write }

    /// Answers are sent and nothing is buffered: the connection may sit idle this long.
    mutating func idle(at now: UInt64) { deadline = now + timeouts.idle }

    /// Our side is shut down after the final answer; unread input is drained this long.
    mutating func lingering(at now: UInt64) { deadline = now + timeouts.linger }

    /// Whether a request has begun arriving and is not yet dispatched.
    var isReceivingRequest: Bool { requestStartedAt != nil }

    /// What the connection's state calls for at `now`; nil while its deadline has not passed, or a
    /// handler has its request.
    func expiry(
        at now: UInt64, awaitingHandler: Bool, closing: Bool, hasPendingOutput: Bool, hasPartialRequest: Bool
    ) -> Expiry? {
        guard now >= deadline, !awaitingHandler else { return nil }
        if closing { return .closing }
        if hasPendingOutput { return .clientNotReading }
        if hasPartialRequest { return .requestTooSlow(phase: headReceivedAt == nil ? "header" : "body") }
        return .idle
    }
}
