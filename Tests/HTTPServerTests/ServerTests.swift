import Foundation
import HTTPServer
import Observability
import Synchronization
import TestSupport
import Testing

/// Runs `body` against a real server on an ephemeral loopback port, then stops it gracefully.
private func withServer(
    _ configure: (inout HTTPServerConfiguration) -> Void = { _ in }, responder: any HTTPResponder = testRouter,
    _ body: (UInt16) throws -> Void
) throws {
    var configuration = HTTPServerConfiguration()
    configuration.port = 0
    configuration.logger.level = .error
    configure(&configuration)
    let server = HTTPServer(configuration: configuration, responder: responder)
    let port = try server.start()
    defer {
        server.shutdown()
        server.waitUntilStopped()
    }
    try body(port)
}

/// Larger than a loopback socket buffer, so it leaves in several sends.
private let bigBody = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }

private let testRouter: Router = {
    var router = Router()
    router.add(.get, "/hello") { _ in .text(.ok, "hello") }
    router.add(.post, "/echo") { request in
        HTTPResponse(status: .ok, headers: ["X-Version": request.version.rawValue], body: request.body)
    }
    // Non-blocking handlers: one answers before returning, one from another thread later.
    router.addNonBlocking(.get, "/now") { request, reply in reply.send(.text(.ok, "now " + request.target)) }
    router.addNonBlocking(.get, "/later") { _, reply in
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { reply.send(.text(.ok, "later")) }
    }
    router.addNonBlocking(.get, "/big") { _, reply in reply.send(HTTPResponse(status: .ok, body: bigBody)) }
    router.add(.get, "/slow") { _ in
        Thread.sleep(forTimeInterval: 0.5)
        return .text(.ok, "slow")
    }
    return router
}()

/// Answers only when the loop says the batch is dispatched, as the device write endpoint does.
private final class BatchAnsweringResponder: HTTPResponder {
    private let waiting = Mutex<[HTTPReply]>([])

    func respond(to request: HTTPRequest, reply: HTTPReply) { waiting.withLock { $0.append(reply) } }

    func batchDispatched() {
        let replies = waiting.withLock { waiting in
            defer { waiting = [] }
            return waiting
        }
        for reply in replies { reply.send(.text(.ok, "one of \(replies.count)")) }
    }
}

@Suite struct ServerTests {
    @Test func keepAliveServesSeveralRequestsOnOneConnection() throws {
        try withServer { port in
            let connection = try RawConnection(port: port)
            for _ in 0..<3 {
                try connection.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
                let response = try connection.readResponse()
                #expect(response.status == 200 && response.bodyText == "hello\n")
                #expect(response.header("Content-Length") == "6")
                #expect(response.header("Date")?.hasSuffix(" GMT") == true)
                #expect(response.header("Connection") == nil)
            }
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        try withServer { port in
            let connection = try RawConnection(port: port)
            try connection.send(
                "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nfirst"
                    + "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nthi\r\n2\r\nrd\r\n0\r\n\r\n"
            )
            #expect(try connection.readResponse().bodyText == "first")
            #expect(try connection.readResponse().bodyText == "hello\n")
            #expect(try connection.readResponse().bodyText == "third")
        }
    }

    @Test func http10ClosesUnlessKeepAliveIsAsked() throws {
        try withServer { port in
            let closing = try RawConnection(port: port)
            try closing.send("POST /echo HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi")
            let response = try closing.readResponse()
            #expect(response.bodyText == "hi" && response.header("X-Version") == "HTTP/1.0")
            #expect(response.header("Connection") == "close")
            #expect(closing.isClosedByPeer())

            let kept = try RawConnection(port: port)
            try kept.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try kept.readResponse().header("Connection") == "keep-alive")
            try kept.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try kept.readResponse().status == 200)
        }
    }

    @Test func connectionCloseIsHonoured() throws {
        try withServer { port in
            let connection = try RawConnection(port: port)
            try connection.send("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(try connection.readResponse().header("Connection") == "close")
            #expect(connection.isClosedByPeer())
        }
    }

    @Test func expectContinueGetsAnInterimResponseBeforeTheBody() throws {
        try withServer { port in
            let connection = try RawConnection(port: port)
            try connection.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
            #expect(try connection.readResponse().status == 100)
            try connection.send("body")
            #expect(try connection.readResponse().bodyText == "body")
        }
    }

    @Test func oversizedBodyIsRefusedBeforeItIsSent() throws {
        try withServer({ $0.limits.maxBodyBytes = 100 }) { port in
            let connection = try RawConnection(port: port)
            try connection.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\nExpect: 100-continue\r\n\r\n")
            let response = try connection.readResponse()
            #expect(response.status == 413 && response.header("Connection") == "close")
            #expect(connection.isClosedByPeer())
        }
    }

    @Test func headAnswersWithLengthButNoBody() throws {
        try withServer { port in
            let connection = try RawConnection(port: port)
            try connection.send("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try connection.readResponse(forHead: true)
            #expect(response.status == 200 && response.header("Content-Length") == "6")
            try connection.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try connection.readResponse().bodyText == "hello\n")  // no stray body bytes came first
        }
    }

    @Test func unknownPathIs404AndWrongMethodIs405WithAllow() throws {
        try withServer { port in
            let connection = try RawConnection(port: port)
            try connection.send("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try connection.readResponse().status == 404)
            try connection.send("DELETE /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try connection.readResponse()
            #expect(response.status == 405 && response.header("Allow") == "GET, HEAD")
        }
    }

    /// Smuggling attempts get 400 and the connection is closed: the smuggled request never runs.
    @Test(arguments: [
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 33\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfoo\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: x\r\nX: a\r\n Transfer-Encoding: chunked\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\rX: y\r\n\r\na",
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    ])
    func smugglingVectorIsRefusedAndClosed(request: String) throws {
        try withServer { port in
            let connection = try RawConnection(port: port)
            try connection.send(request)
            let response = try connection.readResponse()
            #expect(response.status == 400 && response.header("Connection") == "close")
            #expect(connection.isClosedByPeer())
        }
    }

    @Test func oversizedHeadIs431() throws {
        try withServer({ $0.limits.maxHeadBytes = 1024 }) { port in
            let connection = try RawConnection(port: port)
            try connection.send(
                "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "b", count: 2000) + "\r\n\r\n")
            #expect(try connection.readResponse().status == 431)
            #expect(connection.isClosedByPeer())
        }
    }

    @Test func slowClientIsCutOffWith408() throws {
        try withServer({ $0.headerReadTimeout = .milliseconds(300) }) { port in
            let connection = try RawConnection(port: port)
            try connection.send("GET /hello HTTP/1.1\r\nHo")
            let started = Date()
            let response = try connection.readResponse()
            #expect(response.status == 408)
            #expect(Date().timeIntervalSince(started) < 3)
            #expect(connection.isClosedByPeer())
        }
    }

    @Test func idleKeepAliveConnectionIsClosed() throws {
        try withServer({ $0.idleTimeout = .milliseconds(200) }) { port in
            let connection = try RawConnection(port: port)
            try connection.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try connection.readResponse().status == 200)
            #expect(connection.isClosedByPeer())  // within the 5 s receive timeout
        }
    }

    @Test func connectionsPastTheLimitGet503() throws {
        try withServer({ $0.maxConnections = 2 }) { port in
            let first = try RawConnection(port: port)
            let second = try RawConnection(port: port)
            try first.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            try second.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            _ = try first.readResponse()
            _ = try second.readResponse()
            let third = try RawConnection(port: port)
            #expect(try third.readResponse().status == 503)
        }
    }

    /// A handler that blocks occupies a worker, never an I/O thread: other clients are still served.
    @Test func blockingHandlerDoesNotStallOtherConnections() throws {
        try withServer({ $0.ioThreads = 1 }) { port in
            let slow = try RawConnection(port: port)
            try slow.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
            let fast = try RawConnection(port: port)
            let started = Date()
            try fast.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try fast.readResponse().status == 200)
            #expect(Date().timeIntervalSince(started) < 0.4)
            #expect(try slow.readResponse().bodyText == "slow\n")
        }
    }

    /// Answers given on the I/O thread and answers sent later from elsewhere keep pipelined order,
    /// and a pending answer holds up only its own connection.
    @Test func nonBlockingHandlersAnswerNowOrLaterInOrder() throws {
        try withServer({ $0.ioThreads = 1 }) { port in
            let pipelined = try RawConnection(port: port)
            try pipelined.send(
                "GET /now?1 HTTP/1.1\r\nHost: x\r\n\r\nGET /later HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /now?2 HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try pipelined.readResponse().bodyText == "now /now?1\n")
            let other = try RawConnection(port: port)
            let started = Date()
            try other.send("GET /now?other HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try other.readResponse().bodyText == "now /now?other\n")
            #expect(Date().timeIntervalSince(started) < 0.15)
            #expect(try pipelined.readResponse().bodyText == "later\n")
            #expect(try pipelined.readResponse().bodyText == "now /now?2\n")
        }
    }

    /// Answers given from `batchDispatched` are written with the batch; a pipelined request let
    /// through by writing them gets its own round at once, not at the loop's next tick (1 s here).
    @Test func answersGivenAtTheEndOfABatchReachPipelinedRequests() throws {
        try withServer({ $0.ioThreads = 1 }, responder: BatchAnsweringResponder()) { port in
            let connection = try RawConnection(port: port, receiveTimeout: 0.5)
            try connection.send(String(repeating: "GET /a HTTP/1.1\r\nHost: x\r\n\r\n", count: 3))
            for _ in 0..<3 { #expect(try connection.readResponse().bodyText == "one of 1\n") }
        }
    }

    /// A body bigger than the socket buffer goes out whole, followed by the next pipelined answer.
    @Test func largeBodyIsSentWholeBeforeThePipelinedNextAnswer() throws {
        try withServer { port in
            let connection = try RawConnection(port: port)
            try connection.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\nHEAD /big HTTP/1.1\r\nHost: x\r\n\r\n")
            Thread.sleep(forTimeInterval: 0.2)  // let the server fill the socket and wait for room
            let big = try connection.readResponse()
            #expect(big.status == 200 && big.body == bigBody)
            let head = try connection.readResponse(forHead: true)
            #expect(head.header("Content-Length") == String(bigBody.count))
            try connection.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try connection.readResponse().bodyText == "hello\n")
        }
    }

    @Test func shutdownFinishesInFlightRequestsAndStopsAccepting() throws {
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.logger.level = .error
        let server = HTTPServer(configuration: configuration, responder: testRouter)
        let port = try server.start()
        let inFlight = try RawConnection(port: port)
        let idle = try RawConnection(port: port)
        try idle.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = try idle.readResponse()
        try inFlight.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        Thread.sleep(forTimeInterval: 0.1)
        server.shutdown()
        let response = try inFlight.readResponse()
        #expect(response.bodyText == "slow\n" && response.header("Connection") == "close")
        #expect(idle.isClosedByPeer())
        server.waitUntilStopped()
        #expect(throws: TestError.self) { try RawConnection(port: port) }
    }
}
