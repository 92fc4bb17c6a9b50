import Dispatch
import Foundation
import Observability

/// An HTTP/1.1 server on non-blocking sockets and epoll: a few I/O threads own all connections,
/// and a worker pool runs the responder, so a handler that blocks never stalls any connection.
public final class HTTPServer: Sendable {
    public let configuration: HTTPServerConfiguration
    private let responder: any HTTPResponder
    private let state = LockedState()

    private final class LockedState: @unchecked Sendable {
        let lock = NSLock()
        var loops: [EventLoop] = []
        var workers: WorkerPool?
        var port: UInt16 = 0
        let stopped = DispatchGroup()
    }

    public init(configuration: HTTPServerConfiguration, responder: any HTTPResponder) {
        self.configuration = configuration
        self.responder = responder
        let metrics = configuration.metrics
        metrics.describe("http_server_connections_total", .counter, help: "Connections accepted.")
        metrics.describe(
            "http_server_connections_rejected_total", .counter, help: "Connections refused at the connection limit.")
        metrics.describe("http_server_open_connections", .gauge, help: "Connections open now.")
        metrics.describe(
            "http_server_refused_requests_total", .counter, help: "Requests refused while parsing, by status.")
        metrics.describe("http_server_timeouts_total", .counter, help: "Connections cut off for slowness, by phase.")
    }

    /// Binds, starts the threads, and returns the port it listens on.
    @discardableResult
    public func start() throws(SocketError) -> UInt16 {
        let (fd, port) = try Socket.listen(
            host: configuration.host, port: configuration.port, backlog: configuration.listenBacklog)
        let loopCount = max(1, configuration.ioThreads)
        let listener = Listener(fd: fd, holders: loopCount)
        let workers = WorkerPool(threadCount: configuration.workerThreads, name: "http-worker")
        let gate = ConnectionGate(limit: configuration.maxConnections)
        var loops: [EventLoop] = []
        for _ in 0..<loopCount {
            loops.append(
                try EventLoop(
                    configuration: configuration, responder: responder, workers: workers, gate: gate,
                    listener: listener))
        }
        state.lock.lock()
        state.loops = loops
        state.workers = workers
        state.port = port
        state.lock.unlock()
        for (index, loop) in loops.enumerated() {
            state.stopped.enter()
            let thread = Thread { [state] in
                loop.run()
                state.stopped.leave()
            }
            thread.name = "http-io-\(index)"
            thread.start()
        }
        configuration.logger.info("listening", ["address": "\(configuration.host):\(port)"])
        return port
    }

    public var port: UInt16 {
        state.lock.lock()
        defer { state.lock.unlock() }
        return state.port
    }

    /// Stops accepting, closes idle connections, and lets in-flight requests finish (within the
    /// grace period). Returns at once; `waitUntilStopped()` waits for the end.
    public func shutdown() {
        state.lock.lock()
        let loops = state.loops
        state.lock.unlock()
        for loop in loops { loop.beginShutdown() }
    }

    public func waitUntilStopped() {
        state.stopped.wait()
        state.lock.lock()
        let workers = state.workers
        state.lock.unlock()
        workers?.stop()
    }
}
