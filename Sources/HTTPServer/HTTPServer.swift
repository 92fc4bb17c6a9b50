import Dispatch
import Foundation
import Observability
import Synchronization

/// An HTTP/1.1 server on non-blocking sockets and epoll: a few I/O threads own all connections,
/// and a worker pool runs the responder, so a handler that blocks never stalls any connection.
public final class HTTPServer: Sendable {
    public let configuration: HTTPServerConfiguration
    private let responder: any HTTPResponder
    /// What `start` made; nothing waits on it, so a plain mutex.
    private let running = Mutex(Running())
    /// Left by each loop's thread when it ends.
    private let stopped = DispatchGroup()

    private struct Running {
        var loops: [EventLoop] = []
        var workers: WorkerPool?
        var port: UInt16 = 0
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
        metrics.describe("http_server_accept_errors_total", .counter, help: "accept() failures other than EAGAIN.")
        metrics.describe("http_server_loop_errors_total", .counter, help: "epoll_wait failures that ended a loop.")
    }

    /// Binds, starts the threads, and returns the port it listens on. The companion, if any, shares
    /// the first I/O thread; shutdown then waits for it to finish as well.
    @discardableResult
    public func start(with companion: (any LoopCompanion)? = nil) throws(SocketError) -> UInt16 {
        let (fd, port) = try Socket.listen(
            host: configuration.host, port: configuration.port, backlog: configuration.listenBacklog)
        let loopCount = max(1, configuration.ioThreads)
        let listener = Listener(fd: fd, holders: loopCount)
        let workers = WorkerPool(threadCount: configuration.workerThreads, name: "http-worker")
        let gate = ConnectionGate(limit: configuration.maxConnections)
        var loops: [EventLoop] = []
        for index in 0..<loopCount {
            loops.append(
                try EventLoop(
                    configuration: configuration, responder: responder, workers: workers, gate: gate,
                    listener: listener, companion: index == 0 ? companion : nil))
        }
        running.withLock { $0 = Running(loops: loops, workers: workers, port: port) }
        for (index, loop) in loops.enumerated() {
            stopped.enter()
            let thread = Thread { [stopped] in
                Thread.current.name = "http-io-\(index)"
                loop.run()
                stopped.leave()
            }
            thread.start()
        }
        configuration.logger.info("listening", ["address": "\(configuration.host):\(port)"])
        return port
    }

    public var port: UInt16 { running.withLock { $0.port } }

    /// Stops accepting, closes idle connections, and lets in-flight requests finish (within the
    /// grace period). Returns at once; `waitUntilStopped()` waits for the end.
    public func shutdown() {
        for loop in running.withLock({ $0.loops }) { loop.beginShutdown() }
    }

    public func waitUntilStopped() {
        stopped.wait()
        running.withLock { $0.workers }?.stop()
    }
}
