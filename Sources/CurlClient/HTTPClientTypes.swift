/// A request for `CurlHTTPClient`. Value type; the body is sent as-is.
public struct HTTPClientRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [])
    {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

public struct HTTPClientResponse: Sendable {
    public var status: Int
    /// Header fields of the final response (interim 100 responses are dropped).
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// Why a transfer produced no HTTP response.
public enum CurlError: Error, Equatable, Sendable, CustomStringConvertible {
    case initFailed
    /// Connection refused, DNS failure, timeout, TLS error…: curl's code and its message.
    case transfer(code: Int, message: String)
    case responseTooLarge(limit: Int)
    /// The body consumer asked to stop.
    case aborted

    public var description: String {
        switch self {
        case .initFailed: "curl_easy_init failed"
        case .transfer(let code, let message): "\(message) (curl code \(code))"
        case .responseTooLarge(let limit): "response larger than \(limit) bytes"
        case .aborted: "transfer aborted by the receiver"
        }
    }
}

public struct CurlClientConfiguration: Sendable {
    public var connectTimeout: Duration = .seconds(5)
    /// Whole transfer, connect included.
    public var totalTimeout: Duration = .seconds(30)
    /// Largest buffered response body; streamed bodies are not limited by this.
    public var maxResponseBytes = 16 << 20
    public var userAgent = "plantbuddy"

    public init() {}
}
