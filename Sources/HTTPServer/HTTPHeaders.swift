/// Header fields in arrival order. Names compare case-insensitively; repeats are kept, because
/// collapsing them is how duplicate `Content-Length` smuggling goes unnoticed.
///
/// The fields are kept as bytes — a parsed request's head as received, with where each name and
/// value lie in it — and become Strings only when asked for: a device request carries four or five
/// fields and its handler reads one.
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    /// Where one field's name and value lie in `bytes`.
    struct Span {
        var name: Range<Int>
        var value: Range<Int>
    }

    /// Names and values: a parsed head's bytes, then those of fields added later.
    private var bytes: [UInt8] = []
    private var spans: [Span] = []

    public init() {}
    public init(dictionaryLiteral elements: (String, String)...) {
        for (name, value) in elements { add(name, value) }
    }

    /// A parsed head's fields: `head` holds them, `spans` says where (the parser checked them).
    init(head: [UInt8], spans: [Span]) {
        bytes = head
        self.spans = spans
    }

    public var count: Int { spans.count }

    /// Every field as Strings, in order.
    public var fields: [(name: String, value: String)] { spans.map { (string(at: $0.name), string(at: $0.value)) } }

    public mutating func add(_ name: String, _ value: String) {
        let nameStart = bytes.count
        bytes += name.utf8
        let valueStart = bytes.count
        bytes += value.utf8
        spans.append(Span(name: nameStart..<valueStart, value: valueStart..<bytes.count))
    }

    public mutating func replaceOrAdd(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    /// Drops the fields; their bytes stay unused until the headers are dropped (they are few).
    public mutating func remove(_ name: String) {
        let bytes = bytes
        spans.removeAll { Self.has(name, at: $0, in: bytes) }
    }

    public subscript(_ name: String) -> String? {
        withValue(of: name) { String(decoding: $0, as: UTF8.self) }
    }

    /// The first `name` field's value bytes lent to `body`, nil without such a field: for a field
    /// read on every request, with no String made of it.
    public func withValue<Result>(of name: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result? {
        guard let span = spans.first(where: { Self.has(name, at: $0, in: bytes) }) else { return nil }
        return bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[span.value])) }
    }

    public func values(_ name: String) -> [String] {
        spans.filter { Self.has(name, at: $0, in: bytes) }.map { string(at: $0.value) }
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }

    /// Each field's name and value bytes, without making Strings (writing a response head).
    func forEachField(_ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Void) {
        bytes.withUnsafeBufferPointer { all in
            for span in spans {
                body(UnsafeBufferPointer(rebasing: all[span.name]), UnsafeBufferPointer(rebasing: all[span.value]))
            }
        }
    }

    private static func has(_ name: String, at span: Span, in bytes: [UInt8]) -> Bool {
        span.name.count == name.utf8.count
            && bytes.withUnsafeBufferPointer {
                equalIgnoringASCIICase(UnsafeBufferPointer(rebasing: $0[span.name]), name.utf8)
            }
    }

    private func string(at range: Range<Int>) -> String {
        bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) }
    }
}

extension HTTPHeaders: Equatable {
    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }
}
