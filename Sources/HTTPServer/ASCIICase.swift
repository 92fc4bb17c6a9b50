/// Compares without allocating, lengths first: header names are matched several times for every request.
/// Public for other case-insensitive HTTP tokens, such as an `Authorization` scheme.
public func equalIgnoringASCIICase(_ text: some Collection<UInt8>, _ other: some Collection<UInt8>) -> Bool {
    text.count == other.count
        && text.elementsEqual(other) { $0 | ($0 &- 65 < 26 ? 32 : 0) == $1 | ($1 &- 65 < 26 ? 32 : 0) }
}

func asciiLowercased(_ text: Substring) -> String {
    String(decoding: text.utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
}

extension Substring {
    /// Drops optional whitespace (SP, HTAB) at both ends, as RFC 9110 §5.6.3 allows around values.
    func trimmingOWS() -> Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}
