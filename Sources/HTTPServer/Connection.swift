/// One client connection's state. Owned and touched only by its event loop's thread.
///
/// Its variables are `@exclusivity(unchecked)`: only the loop's thread touches them, and no access
/// to one of them calls back into code that touches it again, so the runtime's check of every
/// access (about 7 % of a request's instructions, with its thread-local lookups) finds nothing.
final class Connection {
    enum Phase {
        /// Reading (or waiting for) the next request.
        case reading
        /// A complete request is with a handler; further input waits in the buffer (pipelining).
        case awaitingResponse(method: HTTPMethod, version: HTTPVersion, keepAlive: Bool)
        /// Writing a final response; the connection closes once it is sent.
        case closing
        /// The final response is sent and our side shut down; unread input is drained before the
        /// close, so the kernel does not answer it with a reset that destroys the response in flight.
        case lingering

        var isClosing: Bool {
            if case .closing = self { return true }
            return false
        }
    }

    let fd: Int32
    let id: UInt64
    let peer: String
    /// What handlers keep for this connection's next request.
    let memo = ConnectionMemo()
    @exclusivity(unchecked) var phase = Phase.reading
    @exclusivity(unchecked) var parser: RequestParser

    /// Unconsumed input lives in `input[inputStart...]`; consumed bytes are dropped lazily.
    @exclusivity(unchecked) var input: [UInt8] = []
    @exclusivity(unchecked) var inputStart = 0
    /// Edge-triggered epoll: true until a read returns EAGAIN, so we know whether to read again.
    @exclusivity(unchecked) var mayHaveInput = true
    /// The peer shut down or reset its side: read until the end of the stream shows.
    @exclusivity(unchecked) var peerHungUp = false
    /// Set once the descriptor is closed, so nothing touches it afterwards.
    @exclusivity(unchecked) var isClosed = false
    /// Queued to write at the end of the loop's current batch of events.
    @exclusivity(unchecked) var awaitsWrite = false

    @exclusivity(unchecked) var output = OutputQueue()
    @exclusivity(unchecked) var continueSent = false

    /// When the current wait (idle, head, body or write) runs out, and what that means.
    @exclusivity(unchecked) var timer: ConnectionTimer

    init(fd: Int32, id: UInt64, peer: String, limits: HTTPLimits, timer: ConnectionTimer) {
        self.fd = fd
        self.id = id
        self.peer = peer
        self.parser = RequestParser(limits: limits, peer: peer, memo: memo)
        self.timer = timer
    }

    var unconsumedCount: Int { input.count - inputStart }
    var hasPendingOutput: Bool { !output.isEmpty }

    func consume(_ count: Int) {
        inputStart += count
        if inputStart == input.count {
            // Kept for the next request (an allocation a request saved); `releaseEmptyInput` drops it.
            input.removeAll(keepingCapacity: true)
            inputStart = 0
        } else if inputStart > 64 * 1024 && inputStart > input.count / 2 {
            input.removeFirst(inputStart)
            inputStart = 0
        }
    }

    /// Idle keep-alive connections keep no buffer: this is what makes 10,000 of them cheap. The
    /// loop's sweep calls this every tick, so a busy connection keeps its buffer between requests.
    func releaseEmptyInput() {
        if input.isEmpty && input.capacity > 0 { input = [] }
    }

    var isAwaitingResponse: Bool {
        if case .awaitingResponse = phase { return true }
        return false
    }
}
