/// Which write/query API to speak: the v1 API (InfluxDB 1.x, and 3.x's compatibility endpoints) or
/// the v2 API (InfluxDB 2.x and Cloud); `auto` asks `/ping` once.
public enum InfluxAPI: String, Sendable, CaseIterable {
    case v1, v2, auto
}

public struct InfluxConfiguration: Sendable {
    /// Base URL, such as `http://127.0.0.1:8086`.
    public var url: String
    public var token: String
    public var org: String
    public var bucket: String
    /// The v1 database; defaults to the bucket name.
    public var database: String
    public var api: InfluxAPI
    /// Send write bodies gzip-compressed (`Content-Encoding: gzip`).
    public var gzip: Bool

    public init(
        url: String, token: String = "", org: String = "", bucket: String = "plantbuddy", database: String? = nil,
        api: InfluxAPI = .auto, gzip: Bool = false
    ) {
        self.gzip = gzip
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.token = token
        self.org = org
        self.bucket = bucket
        self.database = database ?? bucket
        self.api = api
    }
}

/// A failed InfluxDB call, with what the server said.
public enum InfluxError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No HTTP answer at all: refused, timed out, DNS…
    case unreachable(String)
    /// An HTTP error status, the server's message, and its `Retry-After` seconds if any.
    case server(status: Int, message: String, retryAfter: Int?)
    /// The answer could not be understood.
    case invalidResponse(String)
    /// The query failed after results had started: an error table in the stream.
    case queryFailed(String)

    public var description: String {
        switch self {
        case .unreachable(let message): "InfluxDB unreachable: \(message)"
        case .server(let status, let message, _): "InfluxDB answered \(status): \(message)"
        case .invalidResponse(let message): "unexpected InfluxDB response: \(message)"
        case .queryFailed(let message): "InfluxDB query failed: \(message)"
        }
    }

    /// Worth retrying later unchanged: transport errors, 429, and 5xx.
    public var isTransient: Bool {
        switch self {
        case .unreachable: true
        case .server(let status, _, _): status == 429 || status >= 500
        case .invalidResponse, .queryFailed: false
        }
    }
}
