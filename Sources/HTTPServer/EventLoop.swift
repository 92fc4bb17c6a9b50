internal import CSystemLinux
import Glibc
import Observability
import Synchronization

/// One epoll loop on its own thread, owning the connections it accepted.
///
/// Everything but `inbox` and `epoll`'s wake-up is touched only by the loop's thread. Answers given on the
/// loop's thread (at once, or when the batch's dispatching is done) are written back directly;
/// answers from other threads (the worker pool, the write-ahead log's committer) come through the
/// inbox, waking the loop with an eventfd. The variables each request touches are
/// `@exclusivity(unchecked)`, as `Connection`'s are, and for the same reason.
final class EventLoop: @unchecked Sendable {
    private enum Tag {
        static let listener: UInt64 = 0
        static let wake: UInt64 = 1
        static let companion: UInt64 = 2
    }

    private struct Inbox {
        var responses: [(connection: UInt64, response: HTTPResponse)] = []
        var drain = false
    }

    private let configuration: HTTPServerConfiguration
    private let responder: any HTTPResponder
    /// Every reply's way to the worker pool: one closure for the loop, not one a request.
    private let offload: @Sendable (@escaping @Sendable () -> Void) -> Void
    let gate: ConnectionGate
    private let listener: Listener
    private let epoll: EpollSet
    private let inbox = Mutex(Inbox())
    private let companion: (any LoopCompanion)?
    /// The companion's latest answer: when it needs its next step (its first: at once; without a
    /// companion, never).
    private var companionNext: LoopCompanionNext

    @exclusivity(unchecked) var connections = ConnectionTable()
    @exclusivity(unchecked) var writer = ResponseWriter()
    var draining = false
    private var drainDeadline = UInt64.max
    @exclusivity(unchecked) var scratch = [UInt8](repeating: 0, count: 64 * 1024)
    private let tickMilliseconds: Int32
    private let timeouts: ConnectionTimer.Timeouts
    var loopThread = pthread_t()
    /// The connection whose request `respond` is handling right now, and its answer if already given.
    @exclusivity(unchecked) private var dispatching: UInt64?
    @exclusivity(unchecked) private var immediate: HTTPResponse?
    /// Connections with answers to write once the current batch of events is handled.
    @exclusivity(unchecked) private var deferred: [Connection] = []
    /// Whether requests were dispatched since the responder last heard `batchDispatched`.
    @exclusivity(unchecked) private var dispatchedSinceBatchEnd = false

    var logger: Logger { configuration.logger }
    var metrics: Metrics { configuration.metrics }
    private var limits: HTTPLimits { configuration.limits }

    init(
        configuration: HTTPServerConfiguration, responder: any HTTPResponder, workers: WorkerPool,
        gate: ConnectionGate, listener: Listener, companion: (any LoopCompanion)? = nil
    ) throws(SocketError) {
        self.configuration = configuration
        self.companion = companion
        companionNext = companion == nil ? .finished : .by(0)
        self.responder = responder
        offload = { [workers] job in workers.submit(job) }
        self.gate = gate
        self.listener = listener
        epoll = try EpollSet(wakeTag: Tag.wake)
        // Deadlines are checked on a tick: a quarter of the shortest timeout, between 10 ms and 1 s.
        let shortest =
            [
                configuration.headerReadTimeout, configuration.bodyReadTimeout, configuration.idleTimeout,
                configuration.writeTimeout,
            ].map(\.milliseconds).min() ?? 1000
        tickMilliseconds = Int32(min(1000, max(10, shortest / 4)))
        timeouts = ConnectionTimer.Timeouts(configuration)
        try epoll.add(listener.fd, events: EPOLLIN.rawValue | EPOLLEXCLUSIVE.rawValue, tag: Tag.listener)
        if let companion, companion.descriptor >= 0 {
            try epoll.add(companion.descriptor, events: EPOLLIN.rawValue, tag: Tag.companion)
        }
    }

    // MARK: Called from any thread

    /// Hands a handler's response to the connection. On this loop's own thread (during `respond`, or
    /// from `batchDispatched`) it is queued at once; otherwise it goes through the inbox and the loop
    /// is woken.
    func deliver(_ response: consuming HTTPResponse, to connection: UInt64) {
        if pthread_equal(pthread_self(), loopThread) != 0 {
            if dispatching == connection && immediate == nil { return immediate = response }
            if dispatching == nil { return receive(response, for: connection) }
        }
        // One wake per batch: a non-empty inbox means a wake is already on its way.
        let wasEmpty = inbox.withLock { inbox in
            defer { inbox.responses.append((connection, response)) }
            return inbox.responses.isEmpty
        }
        if wasEmpty { epoll.wake() }
    }

    func beginShutdown() {
        inbox.withLock { $0.drain = true }
        epoll.wake()
    }

    // MARK: The loop

    func run() {
        loopThread = pthread_self()
        LogBatch.begin()  // this thread's log lines leave once a round
        defer { LogBatch.flush() }
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        var nextSweep = MonotonicClock.milliseconds() + UInt64(tickMilliseconds)
        while true {
            let count = epoll_wait(epoll.fd, &events, Int32(events.count), waitMilliseconds())
            if count < 0 && errno != EINTR {
                logger.error("epoll_wait failed", ["error": SocketError.last("epoll_wait").description])
                metrics.increment("http_server_loop_errors_total")
                break
            }
            for event in events.prefix(max(0, Int(count))) {
                switch event.data.u64 {
                case Tag.listener: acceptPending()
                case Tag.wake: readInbox()
                case Tag.companion: break  // its step follows the round
                case let id:
                    guard let connection = connections[id] else { continue }
                    let hangUp = EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue
                    if event.events & (EPOLLIN.rawValue | hangUp) != 0 { connection.mayHaveInput = true }
                    if event.events & hangUp != 0 { connection.peerHungUp = true }
                    serve(connection, deferringWrites: true)
                }
            }
            finishBatch()
            if let companion, companionNext != .finished { companionNext = companion.runStep(stopping: draining) }
            let now = MonotonicClock.milliseconds()
            if now >= nextSweep {
                sweep(now)
                nextSweep = now + UInt64(tickMilliseconds)
            }
            LogBatch.flush()
            if draining && (connections.isEmpty || now >= drainDeadline) && companionNext == .finished { break }
        }
        for connection in connections.all { close(connection) }
    }

    private func acceptPending() {
        assertOnLoopThread()
        guard !draining else { return }
        for _ in 0..<64 {
            let accepted: (fd: Int32, peer: String)?
            do {
                accepted = try Socket.accept(listener.fd)
            } catch {
                logger.error("accept failed", ["error": error.description])
                metrics.increment("http_server_accept_errors_total")
                return
            }
            guard let (fd, peer) = accepted else { return }
            guard gate.tryOpen() else {
                metrics.increment("http_server_connections_rejected_total")
                logger.warning("connection limit reached", ["peer": peer, "limit": String(gate.limit)])
                Self.overloadResponse.withUnsafeBytes { _ = Socket.send(fd, $0) }
                Glibc.close(fd)
                continue
            }
            let connection = Connection(
                fd: fd, id: connections.nextID(for: fd), peer: peer, limits: limits,
                timer: ConnectionTimer(timeouts: timeouts, acceptedAt: MonotonicClock.milliseconds()))
            do {
                try epoll.add(
                    fd, events: EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue,
                    tag: connection.id)
            } catch {
                logger.error("epoll_ctl failed", ["error": error.description])
                Glibc.close(fd)
                gate.release()
                continue
            }
            connections.insert(connection)
            metrics.increment("http_server_connections_total")
            metrics.set("http_server_open_connections", to: Double(gate.count))
        }
    }

    private static let overloadResponse = Array(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 1\r\nConnection: close\r\n\r\n".utf8)

    private func readInbox() {
        assertOnLoopThread()
        epoll.acknowledgeWake()
        let (responses, drain) = inbox.withLock { inbox in
            defer { inbox.responses.removeAll(keepingCapacity: true) }
            return (inbox.responses, inbox.drain)
        }
        if drain && !draining { startDraining() }
        for (id, response) in responses { receive(response, for: id) }
    }

    /// An answer given after its request was dispatched: queued, and the connection goes on.
    private func receive(_ response: HTTPResponse, for id: UInt64) {
        guard let connection = connections[id] else { return }  // the client went away meanwhile
        answer(connection, with: response)
        serve(connection, deferringWrites: true)
    }

    private func startDraining() {
        draining = true
        drainDeadline = MonotonicClock.milliseconds() + configuration.shutdownGracePeriod.milliseconds
        epoll.remove(listener.fd)
        listener.release()
        for connection in connections.all where Self.isIdle(connection) { close(connection) }
    }

    private static func isIdle(_ connection: Connection) -> Bool {
        if case .reading = connection.phase { return connection.unconsumedCount == 0 && !connection.hasPendingOutput }
        return false
    }

    // MARK: Serving a connection

    /// Why `answerBuffered` stopped.
    private enum Pause { case input, handler, output, closing }

    /// Does everything a connection allows now: answers the requests that can be answered at once,
    /// pipelined ones included, then writes all their responses together.
    ///
    /// While handling a batch of events, writing waits until the batch is done (`writeDeferred`):
    /// answers then leave back to back, so a client woken by the first finds the rest already there
    /// instead of being woken again for each (a cross-CPU wake-up costs more than the send itself).
    private func serve(_ connection: Connection, deferringWrites: Bool = false) {
        assertOnLoopThread()
        if case .lingering = connection.phase { return discardInput(connection) }
        while true {
            let pause = answerBuffered(connection)
            guard !connection.isClosed else { return }
            if deferringWrites && pause != .output {
                if !connection.awaitsWrite && (connection.hasPendingOutput || connection.phase.isClosing) {
                    connection.awaitsWrite = true
                    deferred.append(connection)
                }
                return
            }
            guard writeOut(connection), pause == .output else { return }
        }
    }

    /// The tick, or less if the companion needs its step sooner.
    private func waitMilliseconds() -> Int32 {
        guard case .by(let deadline) = companionNext else { return tickMilliseconds }
        let now = MonotonicClock.milliseconds()
        return deadline <= now ? 0 : Int32(min(UInt64(tickMilliseconds), deadline - now))
    }

    /// Lets the responder finish the batch's work, then writes every answer. Writing can let
    /// pipelined requests through; their dispatch makes another round.
    private func finishBatch() {
        assertOnLoopThread()
        repeat {
            if dispatchedSinceBatchEnd {
                dispatchedSinceBatchEnd = false
                responder.batchDispatched()
            }
            writeDeferred()
        } while dispatchedSinceBatchEnd
    }

    private func writeDeferred() {
        for connection in deferred where !connection.isClosed {
            connection.awaitsWrite = false
            serve(connection)
        }
        deferred.removeAll(keepingCapacity: true)
    }

    /// Reads, parses and dispatches requests until it must wait: for input, for a handler, for the
    /// client to read what is already queued, or for the connection to close.
    private func answerBuffered(_ connection: Connection) -> Pause {
        while true {
            guard case .reading = connection.phase else { return connection.isAwaitingResponse ? .handler : .closing }
            guard connection.output.count < limits.maxPendingOutputBytes else { return .output }
            let result = connection.input.withUnsafeBytes { buffer -> Result<RequestParser.Step, HTTPParseError> in
                do throws(HTTPParseError) {
                    return .success(
                        try connection.parser.parse(UnsafeRawBufferPointer(rebasing: buffer[connection.inputStart...])))
                } catch {
                    return .failure(error)
                }
            }
            switch consume result {
            case .failure(let error):
                refuse(connection, error)
            case .success(.complete(let request, let keepAlive, let consumed)):
                connection.consume(consumed)
                dispatch(request, keepAlive: keepAlive, on: connection)
            case .success(.needMoreBytes):
                if connection.unconsumedCount > 0 {
                    connection.timer.receiving(
                        at: MonotonicClock.milliseconds(), headComplete: connection.parser.head != nil)
                }
                if let head = connection.parser.head {
                    if head.expectsContinue && !connection.continueSent {
                        connection.continueSent = true
                        connection.output.append(ResponseWriter.continueLine)
                    }
                }
                let room = limits.maxRawRequestBytes - connection.unconsumedCount
                guard room > 0 else {
                    refuse(connection, HTTPParseError(status: .payloadTooLarge, reason: "request too large"))
                    continue
                }
                guard connection.mayHaveInput else {
                    connection.timer.awaitingInput()
                    return .input
                }
                guard readSome(connection, atMost: room) else { return connection.isClosed ? .closing : .input }
            }
        }
    }

    /// Reads once into the connection's buffer. False when there is nothing more to read now.
    private func readSome(_ connection: Connection, atMost room: Int) -> Bool {
        let wanted = min(scratch.count, room)
        let count = scratch.withUnsafeMutableBytes { read(connection.fd, $0.baseAddress, wanted) }
        if count > 0 {
            connection.input.append(contentsOf: scratch[0..<count])
            // A short read emptied the socket: the next bytes bring a new edge, so no read just for EAGAIN.
            // (Unless the peer hung up: the end of the stream must still be read.)
            if count < wanted && !connection.peerHungUp { connection.mayHaveInput = false }
            return true
        }
        if count == 0 {
            // The peer is done sending. A partly received request was never acknowledged; responses
            // already queued are still written before the close.
            connection.phase = .closing
            return false
        }
        switch errno {
        case EINTR: return true
        case EAGAIN, EWOULDBLOCK:
            connection.mayHaveInput = false
            connection.timer.awaitingInput()
        default:
            close(connection)
        }
        return false
    }

    /// Hands the request to the responder; an answer given before it returns is queued at once.
    private func dispatch(_ request: HTTPRequest, keepAlive: Bool, on connection: Connection) {
        connection.phase = .awaitingResponse(method: request.method, version: request.version, keepAlive: keepAlive)
        connection.timer.dispatched()
        connection.continueSent = false
        let id = connection.id
        let reply = HTTPReply(connection: id, on: self, offload: offload)
        dispatching = id
        dispatchedSinceBatchEnd = true
        responder.respond(to: request, reply: reply)
        dispatching = nil
        if let response = immediate {
            immediate = nil
            answer(connection, with: response)
        }
    }

    private func refuse(_ connection: Connection, _ error: HTTPParseError) {
        metrics.increment("http_server_refused_requests_total", ["status": String(error.status.code)])
        logger.info(
            "refused request", ["peer": connection.peer, "status": String(error.status.code), "reason": error.reason])
        connection.phase = .closing
        writer.encode(
            .text(error.status, error.reason), for: .get, version: .http11, keepAlive: false, into: &connection.output)
    }
}
