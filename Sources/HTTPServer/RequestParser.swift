import Glibc

/// Incremental HTTP/1.1 request parser (RFC 9112) over the bytes a connection has buffered.
///
/// It is fed the unconsumed buffer again after every read and remembers how far it got, so a
/// request split at any byte parses the same. It refuses every ambiguity that lets two parsers
/// disagree about where a request ends (the request-smuggling vectors) instead of guessing.
struct RequestParser {
    enum Step: Equatable {
        case needMoreBytes
        case complete(ParsedRequest, consumed: Int)
    }

    struct ParsedRequest: Equatable {
        var method: HTTPMethod
        var target: String
        var version: HTTPVersion
        var headers: HTTPHeaders
        var body: [UInt8]
        /// Whether the client asked to keep the connection open after this request.
        var keepAlive: Bool
    }

    struct Head: Equatable {
        var method: HTTPMethod
        var target: String
        var version: HTTPVersion
        var headers: HTTPHeaders
        var framing: Framing
        var expectsContinue: Bool
        var keepAlive: Bool
    }

    enum Framing: Equatable {
        case length(Int)
        case chunked
    }

    let limits: HTTPLimits
    /// The parsed head once the blank line has arrived.
    private(set) var head: Head?
    private var headLength = 0
    private var scanOffset = 0
    private var leadingBlankBytes = 0
    private var chunks = ChunkedBodyDecoder()

    init(limits: HTTPLimits) { self.limits = limits }

    mutating func parse(_ bytes: UnsafeRawBufferPointer) throws(HTTPParseError) -> Step {
        if head == nil {
            guard let end = try findEndOfHead(bytes) else { return .needMoreBytes }
            head = try Self.parseHead(UnsafeRawBufferPointer(rebasing: bytes[leadingBlankBytes..<end]), limits: limits)
            headLength = end
        }
        guard let framing = head?.framing else { return .needMoreBytes }
        switch framing {
        case .length(let length):
            guard bytes.count - headLength >= length else { return .needMoreBytes }
            let body = Array(bytes[headLength..<headLength + length])
            return complete(body: body, consumed: headLength + length)
        case .chunked:
            guard let end = try chunks.decode(bytes, from: headLength, limits: limits) else {
                if bytes.count >= limits.maxRawRequestBytes {
                    throw HTTPParseError(status: .payloadTooLarge, reason: "chunked body framing too large")
                }
                return .needMoreBytes
            }
            return complete(body: chunks.body, consumed: end)
        }
    }

    /// The head moves into the request (taken, not copied), and the parser starts over.
    private mutating func complete(body: [UInt8], consumed: Int) -> Step {
        let head = head.take()!
        self = RequestParser(limits: limits)
        return .complete(
            ParsedRequest(
                method: head.method, target: head.target, version: head.version, headers: head.headers, body: body,
                keepAlive: head.keepAlive),
            consumed: consumed)
    }

    /// Finds the blank line ending the head, enforcing line endings and size limits on the way.
    private mutating func findEndOfHead(_ bytes: UnsafeRawBufferPointer) throws(HTTPParseError) -> Int? {
        // RFC 9112 §2.2: ignore empty lines before the request line (some clients send CRLF after a body).
        while scanOffset == leadingBlankBytes, bytes.count >= leadingBlankBytes + 2,
            bytes[leadingBlankBytes] == .cr, bytes[leadingBlankBytes + 1] == .lf
        {
            leadingBlankBytes += 2
            scanOffset = leadingBlankBytes
        }
        // Line by line with memchr (this runs for every request): a line is complete at its LF, which
        // must follow a CR, and holds no other CR.
        var lineStart = scanOffset
        while let lf = Self.first(.lf, in: bytes, from: lineStart) {
            if Self.first(.cr, in: bytes, from: lineStart, to: lf - 1) != nil { throw .bad("bare CR in request head") }
            guard lf > lineStart, bytes[lf - 1] == .cr else { throw .bad("bare LF in request head") }
            let next = lf + 1
            if lineStart == leadingBlankBytes, next - leadingBlankBytes > limits.maxRequestLineBytes {
                throw HTTPParseError(status: .uriTooLong, reason: "request line too long")
            }
            if next - lineStart == 2 { return next }
            lineStart = next
            scanOffset = next
        }
        // The incomplete rest: a CR there is bare unless it is the last byte (its LF may be on the way).
        if Self.first(.cr, in: bytes, from: lineStart, to: bytes.count - 1) != nil {
            throw .bad("bare CR in request head")
        }
        if lineStart == leadingBlankBytes, bytes.count - leadingBlankBytes > limits.maxRequestLineBytes {
            throw HTTPParseError(status: .uriTooLong, reason: "request line too long")
        }
        if bytes.count - leadingBlankBytes > limits.maxHeadBytes {
            throw HTTPParseError(status: .headersTooLarge, reason: "request head too large")
        }
        return nil
    }

    static func parseHead(_ bytes: UnsafeRawBufferPointer, limits: HTTPLimits) throws(HTTPParseError) -> Head {
        if bytes.count > limits.maxHeadBytes {
            throw HTTPParseError(status: .headersTooLarge, reason: "request head too large")
        }
        // Lines without their CRLF (the scan checked every CR is followed by LF); the last is the
        // empty line ending the head.
        var lineStart = 0
        func nextLine() -> UnsafeRawBufferPointer.SubSequence? {
            guard let end = first(.lf, in: bytes, from: lineStart), end - 1 > lineStart else { return nil }
            defer { lineStart = end + 1 }
            return bytes[lineStart..<end - 1]
        }
        guard let requestLine = nextLine() else { throw .bad("missing request line") }
        let (method, target, version) = try parseRequestLine(requestLine)
        var spans: [HTTPHeaders.Span] = []
        spans.reserveCapacity(8)
        var control = ControlFields()
        while let line = nextLine() {
            if spans.count == limits.maxHeaderCount {
                throw HTTPParseError(status: .headersTooLarge, reason: "too many header fields")
            }
            let (name, value) = try parseHeaderLine(line)
            control.note(name: name, value: value)
            spans.append(
                HTTPHeaders.Span(name: name.startIndex..<name.endIndex, value: value.startIndex..<value.endIndex))
        }
        // The fields stay bytes (one copy of the head) until a handler asks for one.
        return Head(
            method: method, target: target, version: version, headers: HTTPHeaders(head: Array(bytes), spans: spans),
            framing: try control.framing(version: version, limits: limits),
            expectsContinue: try control.expectsContinue(version: version),
            keepAlive: control.keepAlive(version: version))
    }

    /// The offset of the first `byte` in `bytes[start..<end]` (memchr), nil when there is none.
    private static func first(
        _ byte: UInt8, in bytes: UnsafeRawBufferPointer, from start: Int, to end: Int? = nil
    ) -> Int? {
        let end = end ?? bytes.count
        guard start < end, let base = bytes.baseAddress, let found = memchr(base + start, Int32(byte), end - start)
        else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    private static func parseRequestLine(
        _ line: UnsafeRawBufferPointer.SubSequence
    ) throws(HTTPParseError) -> (HTTPMethod, String, HTTPVersion) {
        guard let firstSpace = line.firstIndex(of: .space),
            let secondSpace = line[(firstSpace + 1)...].firstIndex(of: .space),
            !line[(secondSpace + 1)...].contains(.space)
        else { throw .bad("malformed request line") }
        let methodBytes = line[..<firstSpace]
        let targetBytes = line[(firstSpace + 1)..<secondSpace]
        let versionBytes = line[(secondSpace + 1)...]
        guard !methodBytes.isEmpty, methodBytes.allSatisfy(\.isTokenCharacter) else { throw .bad("malformed method") }
        guard !targetBytes.isEmpty, targetBytes.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
            throw .bad("malformed request target")
        }
        guard let parsedVersion = HTTPVersion(bytes: versionBytes) else {
            let version = String(decoding: versionBytes, as: UTF8.self)
            if version.count == 8, version.hasPrefix("HTTP/"),
                version.utf8.dropFirst(5).enumerated().allSatisfy({
                    $0.offset == 1 ? $0.element == UInt8(ascii: ".") : (48...57).contains($0.element)
                })
            {
                throw HTTPParseError(status: .versionNotSupported, reason: "only HTTP/1.0 and HTTP/1.1 are served")
            }
            throw .bad("malformed HTTP version")
        }
        let method = HTTPMethod(rawValue: String(decoding: methodBytes, as: UTF8.self))
        return (method, try originForm(String(decoding: targetBytes, as: UTF8.self), method: method), parsedVersion)
    }

    /// Reduces the request target to origin form (`/path?query`), accepting absolute form too.
    private static func originForm(_ target: String, method: HTTPMethod) throws(HTTPParseError) -> String {
        if target.hasPrefix("/") { return target }
        if target == "*" && method == .options { return target }
        for scheme in ["http://", "https://"] where target.lowercased().hasPrefix(scheme) {
            let afterScheme = target.dropFirst(scheme.count)
            guard let slash = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) else { return "/" }
            let rest = afterScheme[slash...]
            return rest.hasPrefix("/") ? String(rest) : "/" + rest
        }
        throw .bad("malformed request target")
    }

    /// The name (token characters) and the value without surrounding whitespace.
    private static func parseHeaderLine(_ line: UnsafeRawBufferPointer.SubSequence) throws(HTTPParseError)
        -> (name: UnsafeRawBufferPointer.SubSequence, value: UnsafeRawBufferPointer.SubSequence)
    {
        // Scanned through a buffer of its own: indexing the slice itself costs a bounds check per byte.
        let bytes = UnsafeRawBufferPointer(rebasing: line)
        guard let first = bytes.first else { throw .bad("empty header line") }
        if first == .space || first == .tab { throw .bad("obsolete line folding in header") }
        guard let colon = Self.first(.colon, in: bytes, from: 0) else { throw .bad("header line without colon") }
        guard colon > 0 else { throw .bad("malformed header name") }
        // Iterated, not indexed or `allSatisfy`-ed: every byte of every header line passes here.
        for byte in UnsafeRawBufferPointer(rebasing: bytes[..<colon]) where !byte.isTokenCharacter {
            throw .bad("malformed header name")  // includes whitespace before the colon (RFC 9112 §5.1)
        }
        var start = colon + 1
        var end = bytes.count
        while start < end, bytes[start] == .space || bytes[start] == .tab { start += 1 }
        while end > start, bytes[end - 1] == .space || bytes[end - 1] == .tab { end -= 1 }
        for byte in UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        where byte < 0x20 && byte != .tab || byte == 0x7f {
            throw .bad("control character in header value")
        }
        let base = line.startIndex
        return (line[base..<base + colon], line[base + start..<base + end])
    }
}
