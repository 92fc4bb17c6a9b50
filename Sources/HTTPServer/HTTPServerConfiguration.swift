public import Observability

/// How the server listens, how much it accepts, and how long it waits.
public struct HTTPServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0 picks a free port; `HTTPServer.port` tells which.
    public var port: UInt16 = 5000
    public var limits = HTTPLimits()
    /// From a request's first byte until its head is complete; slower clients get 408.
    public var headerReadTimeout: Duration = .seconds(10)
    /// From the end of the head until the body is complete.
    public var bodyReadTimeout: Duration = .seconds(30)
    /// How long a keep-alive connection may sit idle between requests.
    public var idleTimeout: Duration = .seconds(60)
    /// How long a client may take to read a response before it is cut off.
    public var writeTimeout: Duration = .seconds(30)
    /// Open connections across all I/O threads; more are answered 503 and closed.
    public var maxConnections = 10_000
    /// Threads running the epoll loops.
    public var ioThreads = 2
    /// Threads running handlers, which may block (a call to InfluxDB) without stalling any I/O thread.
    public var workerThreads = 16
    /// On shutdown, how long in-flight requests may take before connections are cut.
    public var shutdownGracePeriod: Duration = .seconds(10)
    public var listenBacklog: Int32 = 1024

    public var logger = Logger()
    public var metrics = Metrics()

    public init() {}
}
