public import HTTPServer
import Observability
import Synchronization

/// A loopback HTTP server that answers with fixed response bytes and records what it was sent.
public final class ReplayServer: Sendable {
    public let server: HTTPServer
    public let port: UInt16
    private let recorder: Recorder

    public init(_ respond: @escaping @Sendable (HTTPRequest) -> HTTPResponse) throws {
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.logger.level = .error
        recorder = Recorder(respond: respond)
        server = HTTPServer(configuration: configuration, responder: recorder)
        port = try server.start()
    }

    public var url: String { "http://127.0.0.1:\(port)" }
    /// Every request received so far, in order.
    public var requests: [HTTPRequest] { recorder.received.withLock { $0 } }

    public func stop() {
        server.shutdown()
        server.waitUntilStopped()
    }

    private final class Recorder: HTTPResponder {
        let received = Mutex<[HTTPRequest]>([])
        let answer: @Sendable (HTTPRequest) -> HTTPResponse
        init(respond: @escaping @Sendable (HTTPRequest) -> HTTPResponse) { answer = respond }
        func respond(to request: HTTPRequest, reply: HTTPReply) {
            received.withLock { $0.append(request) }
            reply.sendFromWorker { [answer] in answer(request) }
        }
    }
}
