/// Compares without allocating, lengths first: header names are matched several times for every request.
/// Public for other case-insensitive HTTP tokens, such as an `Authorization` scheme; inlinable so that
/// callers in other modules get it specialised (the generic version cost 9 % of a device request).
@inlinable
public func equalIgnoringASCIICase(_ text: some Collection<UInt8>, _ other: some Collection<UInt8>) -> Bool {
    guard text.count == other.count else { return false }
    let folded = { (byte: UInt8) in byte | (byte &- 65 < 26 ? 32 : 0) }
    let contiguous = text.withContiguousStorageIfAvailable { text in
        other.withContiguousStorageIfAvailable { other in
            for index in 0..<text.count where folded(text[index]) != folded(other[index]) { return false }
            return true
        }
    }
    if let contiguous, let equal = contiguous { return equal }
    return text.elementsEqual(other) { folded($0) == folded($1) }
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
