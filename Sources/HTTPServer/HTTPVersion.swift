public enum HTTPVersion: String, Sendable {
    case http10 = "HTTP/1.0"
    case http11 = "HTTP/1.1"

    /// The version a request line names, its eight bytes compared as one word: every request has one.
    init?(bytes: UnsafeRawBufferPointer.SubSequence) {
        guard bytes.count == 8 else { return nil }
        switch UnsafeRawBufferPointer(rebasing: bytes).loadUnaligned(as: UInt64.self) {
        case Self.http11Word: self = .http11
        case Self.http10Word: self = .http10
        default: return nil
        }
    }

    private static let http11Word = word("HTTP/1.1")
    private static let http10Word = word("HTTP/1.0")

    private static func word(_ text: StaticString) -> UInt64 {
        text.withUTF8Buffer { UnsafeRawBufferPointer($0).loadUnaligned(as: UInt64.self) }
    }
}
