public import CurlClient

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
    /// InfluxDB 3 wrote every line of the batch but these (`accept_partial=true`).
    case partiallyWritten(refused: [RefusedLine])

    public var description: String {
        switch self {
        case .unreachable(let message): "InfluxDB unreachable: \(message)"
        case .server(let status, let message, _): "InfluxDB answered \(status): \(message)"
        case .invalidResponse(let message): "unexpected InfluxDB response: \(message)"
        case .queryFailed(let message): "InfluxDB query failed: \(message)"
        case .partiallyWritten(let refused):
            "InfluxDB refused \(refused.count) line(s) and wrote the others: "
                + refused.prefix(3).map { "line \($0.number): \($0.message)" }.joined(separator: "; ")
        }
    }

    /// The HTTP status InfluxDB answered with, when it answered.
    public var status: Int? {
        switch self {
        case .server(let status, _, _): status
        case .partiallyWritten: 400
        case .unreachable, .invalidResponse, .queryFailed: nil
        }
    }
}

extension InfluxError {
    /// curl got no HTTP answer at all.
    public init(noAnswer error: CurlError) { self = .unreachable(error.description) }
}
