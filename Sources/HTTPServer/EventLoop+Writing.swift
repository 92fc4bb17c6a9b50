import Glibc
import Observability

/// Writing answers, closing connections, and the timeouts' sweep: the loop-thread side of a
/// connection's end. Like the rest of `EventLoop`, every member runs on the loop's thread.
extension EventLoop {
    // MARK: Writing

    /// Queues the response to the request the connection is waiting on.
    func answer(_ connection: Connection, with response: HTTPResponse) {
        guard case .awaitingResponse(let method, let version, let wantsKeepAlive) = connection.phase else { return }
        let keepAlive = wantsKeepAlive && !response.closesConnection && !draining
        writer.encode(response, for: method, version: version, keepAlive: keepAlive, into: &connection.output)
        connection.phase = keepAlive ? .reading : .closing
    }

    /// Writes queued output. True when all of it is out and the connection may go on.
    func writeOut(_ connection: Connection) -> Bool {
        let wroteSomething = connection.hasPendingOutput
        while connection.hasPendingOutput {
            let sent = connection.output.send(to: connection.fd)
            if sent > 0 {
                continue
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                connection.timer.awaitingClientReading(at: MonotonicClock.milliseconds())
                return false
            } else if errno != EINTR {
                close(connection)
                return false
            }
        }
        switch connection.phase {
        case .closing:
            shutdown(connection.fd, Int32(SHUT_WR))
            connection.phase = .lingering
            connection.timer.lingering(at: MonotonicClock.milliseconds())
            discardInput(connection)
            return false
        case .reading:
            if draining && connection.unconsumedCount == 0 {
                close(connection)
                return false
            }
            if wroteSomething && connection.unconsumedCount == 0 {
                connection.timer.idle(at: MonotonicClock.milliseconds())
            }
            return true
        case .awaitingResponse:
            return true
        case .lingering:
            return false
        }
    }

    /// After our final response: read and drop whatever the client still sends, until it closes.
    func discardInput(_ connection: Connection) {
        while true {
            let count = scratch.withUnsafeMutableBytes { read(connection.fd, $0.baseAddress, $0.count) }
            if count > 0 { continue }
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
            if count < 0 && errno == EINTR { continue }
            close(connection)
            return
        }
    }

    // MARK: Deadlines and closing

    func sweep(_ now: UInt64) {
        assertOnLoopThread()
        for connection in connections.all {
            connection.releaseEmptyInput()
            let closing: Bool
            switch connection.phase {
            case .closing, .lingering: closing = true
            case .reading, .awaitingResponse: closing = false
            }
            let expiry = connection.timer.expiry(
                at: now, awaitingHandler: connection.isAwaitingResponse, closing: closing,
                hasPendingOutput: connection.hasPendingOutput, hasPartialRequest: connection.unconsumedCount > 0)
            switch expiry {
            case nil: continue
            case .clientNotReading:
                metrics.increment("http_server_timeouts_total", ["phase": "write"])
                close(connection)
            case .requestTooSlow(let phase):
                metrics.increment("http_server_timeouts_total", ["phase": phase])
                logger.info("client too slow", ["peer": connection.peer, "phase": phase])
                connection.phase = .awaitingResponse(method: .get, version: .http11, keepAlive: false)
                answer(connection, with: .text(.requestTimeout, "request timeout"))
                _ = writeOut(connection)
            case .idle:
                close(connection)  // idle keep-alive connection, or one that never sent a byte
            case .closing:
                if connection.hasPendingOutput { metrics.increment("http_server_timeouts_total", ["phase": "write"]) }
                close(connection)
            }
        }
    }

    /// Connections and all but the inbox belong to the loop's thread; debug builds check each entry.
    func assertOnLoopThread(_ function: StaticString = #function) {
        assert(pthread_equal(pthread_self(), loopThread) != 0, "EventLoop.\(function) ran off its loop thread")
    }

    func close(_ connection: Connection) {
        assertOnLoopThread()
        guard connections.remove(connection) else { return }
        connection.isClosed = true
        Glibc.close(connection.fd)
        gate.release()
        metrics.set("http_server_open_connections", to: Double(gate.count))
    }
}
