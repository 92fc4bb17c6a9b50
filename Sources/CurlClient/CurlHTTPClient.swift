import Synchronization

/// A blocking HTTP client on libcurl, safe to share between threads. Each call borrows an easy
/// handle from a pool, so concurrent calls run in parallel and each handle's connections are reused.
public final class CurlHTTPClient: Sendable {
    public let configuration: CurlClientConfiguration
    private let idleHandles = Mutex<[CurlEasy]>([])

    public init(configuration: CurlClientConfiguration = CurlClientConfiguration()) {
        self.configuration = configuration
    }

    /// Sends the request and buffers the response body (up to `maxResponseBytes`).
    public func send(_ request: HTTPClientRequest) throws(CurlError) -> HTTPClientResponse {
        try withHandle { easy throws(CurlError) in try easy.perform(request) }
    }

    /// Sends the request and, for a 2xx answer, hands body bytes to `onBody` as they arrive (the
    /// returned response then has an empty body); any other answer's body is buffered in the response.
    /// Returning false from `onBody` aborts with `CurlError.aborted`.
    public func stream(
        _ request: HTTPClientRequest, onBody: (UnsafeRawBufferPointer) -> Bool
    ) throws(CurlError) -> HTTPClientResponse {
        try withoutActuallyEscaping(onBody) { onBody throws(CurlError) in
            try withHandle { easy throws(CurlError) in try easy.perform(request, onBody: onBody) }
        }
    }

    private func withHandle<T>(_ body: (CurlEasy) throws(CurlError) -> T) throws(CurlError) -> T {
        let easy: CurlEasy
        if let pooled = idleHandles.withLock({ $0.popLast() }) {
            easy = pooled
        } else {
            easy = try CurlEasy(configuration: configuration)
        }
        defer { idleHandles.withLock { $0.append(easy) } }
        return try body(easy)
    }
}
