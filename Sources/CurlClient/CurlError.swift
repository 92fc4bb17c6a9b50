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
