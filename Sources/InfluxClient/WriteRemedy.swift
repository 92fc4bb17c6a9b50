/// What a writer should do about a failed write: the one place that sorts InfluxDB's failures.
public enum WriteRemedy: Equatable, Sendable {
    /// Transient (no answer, 429, 5xx, an answer that made no sense): send the same lines again
    /// later, no sooner than the server's `Retry-After` seconds when it gave them.
    case retry(afterSeconds: Int?)
    /// The gateway's own settings are wrong (401, 403, 404: token, org, bucket or database): keep
    /// the lines and retry slowly, so fixing the configuration loses nothing.
    case fixConfiguration
    /// The lines themselves are refused (another 4xx: malformed, a field type conflict): sending
    /// them again cannot help.
    case refuseLines
    /// InfluxDB wrote the batch except these lines, refused for good: set them aside, nothing to
    /// send again.
    case setAside([RefusedLine])
}

extension InfluxError {
    public var writeRemedy: WriteRemedy {
        switch self {
        case .unreachable, .invalidResponse, .queryFailed: .retry(afterSeconds: nil)
        case .partiallyWritten(let refused): .setAside(refused)
        case .server(let status, _, let retryAfter):
            switch status {
            case 401, 403, 404: .fixConfiguration
            case 429, 500...599: .retry(afterSeconds: retryAfter)
            case 400...499: .refuseLines
            default: .retry(afterSeconds: nil)
            }
        }
    }
}
