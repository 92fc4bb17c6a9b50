public enum HTTPVersion: String, Sendable {
    case http10 = "HTTP/1.0"
    case http11 = "HTTP/1.1"

    /// The version a request line names, compared as bytes: every request has one.
    init?(bytes: UnsafeRawBufferPointer.SubSequence) {
        guard bytes.count == 8, bytes.starts(with: "HTTP/1.".utf8) else { return nil }
        switch bytes.last {
        case UInt8(ascii: "1"): self = .http11
        case UInt8(ascii: "0"): self = .http10
        default: return nil
        }
    }
}
