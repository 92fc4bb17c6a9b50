internal import CSystemLinux
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
    /// Threads running the epoll loops. One per CPU this process may run on: more would only take
    /// turns on the same CPU, adding scheduling delay to every request.
    public var ioThreads = HTTPServerConfiguration.usableProcessors
    /// Threads running handlers, which may block (a call to InfluxDB) without stalling any I/O thread.
    public var workerThreads = 16
    /// On shutdown, how long in-flight requests may take before connections are cut.
    public var shutdownGracePeriod: Duration = .seconds(10)
    public var listenBacklog: Int32 = 1024

    public var logger = Logger()
    public var metrics = Metrics()

    public init() {}
}

extension HTTPServerConfiguration {
    /// CPUs in this process's affinity mask (what `taskset` or a container's cpuset allows).
    public static var usableProcessors: Int {
        var mask = [UInt64](repeating: 0, count: 16)  // room for 1,024 CPUs
        let result = mask.withUnsafeMutableBytes { sched_getaffinity(0, $0.count, $0.baseAddress) }
        guard result == 0 else { return 1 }
        return max(1, mask.reduce(0) { $0 + $1.nonzeroBitCount })
    }
}
