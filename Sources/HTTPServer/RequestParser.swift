import Glibc

/// Incremental HTTP/1.1 request parser (RFC 9112) over the bytes a connection has buffered.
///
/// It is fed the unconsumed buffer again after every read and remembers how far it got, so a
/// request split at any byte parses the same. It refuses every ambiguity that lets two parsers
/// disagree about where a request ends (the request-smuggling vectors) instead of guessing.
struct RequestParser {
    enum Step {
        case needMoreBytes
        /// A whole request, whether the client asked to keep the connection open after it, and how
        /// many of the buffered bytes it took.
        case complete(HTTPRequest, keepAlive: Bool, consumed: Int)
    }

    /// A parsed head: the request it begins (the body still empty) and how to read the rest.
    struct Head {
        var request: HTTPRequest
        var framing: Framing
        var expectsContinue: Bool
        var keepAlive: Bool
    }

    enum Framing: Equatable {
        case length(Int)
        case chunked
    }

    let limits: HTTPLimits
    /// The connection's peer and memo, which every request it parses carries: the requests are
    /// made here, whole, rather than copied field by field from a parsed form of their own.
    let peer: String
    let memo: ConnectionMemo
    /// The parsed head once the blank line has arrived.
    private(set) var head: Head?
    /// The kept head's length (0 while none is kept) and framing, apart from it: reading them
    /// through the optional head copied all of it (~600 instructions a request).
    private var headLength = 0
    private var framing = Framing.length(0)
    private var scanOffset = 0
    private var leadingBlankBytes = 0
    private var chunks = ChunkedBodyDecoder()

    init(limits: HTTPLimits, peer: String = "", memo: ConnectionMemo = ConnectionMemo()) {
        self.limits = limits
        self.peer = peer
        self.memo = memo
    }

    mutating func parse(_ bytes: UnsafeRawBufferPointer) throws(HTTPParseError) -> Step {
        if headLength == 0 {
            guard let end = try findEndOfHead(bytes) else { return .needMoreBytes }
            // The head in its parts: the request goes on alone when the whole request is here.
            let (request, framing, expectsContinue, keepAlive) = try parseHead(
                UnsafeRawBufferPointer(rebasing: bytes[leadingBlankBytes..<end]))
            // The usual request arrives whole, body and all: it is answered without the head ever
            // being kept (storing, copying out and clearing it cost ~700 instructions a request).
            if case .length(let length) = framing, bytes.count - end >= length {
                // Starting over is resetting the scan: no head was kept and no chunk decoded.
                scanOffset = 0
                leadingBlankBytes = 0
                return Self.complete(
                    request, body: Array(bytes[end..<end + length]), keepAlive: keepAlive, consumed: end + length)
            }
            self.framing = framing
            head = Head(request: request, framing: framing, expectsContinue: expectsContinue, keepAlive: keepAlive)
            headLength = end
        }
        switch framing {
        case .length(let length):
            guard bytes.count - headLength >= length else { return .needMoreBytes }
            let body = Array(bytes[headLength..<headLength + length])
            return startOver(body: body, consumed: headLength + length)
        case .chunked:
            guard let end = try chunks.decode(bytes, from: headLength, limits: limits) else {
                if bytes.count >= limits.maxRawRequestBytes {
                    throw HTTPParseError(status: .payloadTooLarge, reason: "chunked body framing too large")
                }
                return .needMoreBytes
            }
            return startOver(body: chunks.body, consumed: end)
        }
    }

    /// The kept head's request takes the body (the head taken, not copied), and the parser starts over.
    private mutating func startOver(body: [UInt8], consumed: Int) -> Step {
        let head = head.take()!
        self = RequestParser(limits: limits, peer: peer, memo: memo)
        return Self.complete(head.request, body: body, keepAlive: head.keepAlive, consumed: consumed)
    }

    /// The request, its body added, handed on whole (owned here, so it moves into the step).
    private static func complete(
        _ request: consuming HTTPRequest, body: [UInt8], keepAlive: Bool, consumed: Int
    ) -> Step {
        request.body = body
        return .complete(request, keepAlive: keepAlive, consumed: consumed)
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
        // must follow a CR. A CR anywhere else is refused when the line is parsed, whose checks see
        // every byte of it (so the bytes are not scanned twice for one).
        var lineStart = scanOffset
        while let lf = Self.first(.lf, in: bytes, from: lineStart) {
            guard lf > lineStart, bytes[lf - 1] == .cr else { throw .bad("bare LF in request head") }
            let next = lf + 1
            if lineStart == leadingBlankBytes, next - leadingBlankBytes > limits.maxRequestLineBytes {
                throw HTTPParseError(status: .uriTooLong, reason: "request line too long")
            }
            if next - lineStart == 2 { return next }
            lineStart = next
            scanOffset = next
        }
        if lineStart == leadingBlankBytes, bytes.count - leadingBlankBytes > limits.maxRequestLineBytes {
            throw HTTPParseError(status: .uriTooLong, reason: "request line too long")
        }
        if bytes.count - leadingBlankBytes > limits.maxHeadBytes {
            throw HTTPParseError(status: .headersTooLarge, reason: "request head too large")
        }
        return nil
    }

    func parseHead(
        _ bytes: UnsafeRawBufferPointer
    ) throws(HTTPParseError) -> (HTTPRequest, Framing, expectsContinue: Bool, keepAlive: Bool) {
        if bytes.count > limits.maxHeadBytes {
            throw HTTPParseError(status: .headersTooLarge, reason: "request head too large")
        }
        // Lines without their CRLF (the scan checked every LF follows a CR); the last is the empty
        // line ending the head.
        var lineStart = 0
        func nextLine() -> Range<Int>? {
            guard let end = Self.first(.lf, in: bytes, from: lineStart), end - 1 > lineStart else { return nil }
            defer { lineStart = end + 1 }
            return lineStart..<end - 1
        }
        guard let requestLine = nextLine() else { throw .bad("missing request line") }
        let (method, target, queryOffset, version) = try Self.parseRequestLine(
            UnsafeRawBufferPointer(rebasing: bytes[requestLine]))
        var spans: [HTTPHeaders.Span] = []
        spans.reserveCapacity(8)
        var control = ControlFields()
        while let line = nextLine() {
            if spans.count == limits.maxHeaderCount {
                throw HTTPParseError(status: .headersTooLarge, reason: "too many header fields")
            }
            let field = try Self.parseHeaderLine(in: bytes, line)
            control.note(
                name: UnsafeRawBufferPointer(rebasing: bytes[field.name]),
                value: UnsafeRawBufferPointer(rebasing: bytes[field.value]))
            spans.append(field)
        }
        // The fields stay bytes (one copy of the head) until a handler asks for one.
        return (
            HTTPRequest(
                method: method, target: target, queryOffset: queryOffset, version: version,
                headers: HTTPHeaders(head: Array(bytes), spans: spans), body: [], remoteAddress: peer,
                connectionMemo: memo),
            try control.framing(version: version, limits: limits),
            expectsContinue: try control.expectsContinue(version: version),
            keepAlive: control.keepAlive(version: version)
        )
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
        _ line: UnsafeRawBufferPointer
    ) throws(HTTPParseError) -> (HTTPMethod, target: String, queryOffset: Int?, HTTPVersion) {
        guard let firstSpace = first(.space, in: line, from: 0),
            let secondSpace = first(.space, in: line, from: firstSpace + 1),
            first(.space, in: line, from: secondSpace + 1) == nil
        else { throw refusal(.bad("malformed request line"), of: line) }
        let methodBytes = UnsafeRawBufferPointer(rebasing: line[..<firstSpace])
        let targetBytes = UnsafeRawBufferPointer(rebasing: line[(firstSpace + 1)..<secondSpace])
        let versionBytes = line[(secondSpace + 1)...]
        guard !methodBytes.isEmpty, methodBytes.allSatisfy(\.isTokenCharacter) else {
            throw refusal(.bad("malformed method"), of: line)
        }
        guard !targetBytes.isEmpty, targetBytes.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
            throw refusal(.bad("malformed request target"), of: line)
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
            throw refusal(.bad("malformed HTTP version"), of: line)
        }
        let method = HTTPMethod(bytes: methodBytes)
        let target = String(decoding: targetBytes, as: UTF8.self)
        // Origin form, as nearly every request sends it, is taken as it is, its `?` found in its bytes.
        guard targetBytes[0] == UInt8(ascii: "/") else {
            let origin = try originForm(target, method: method)
            return (method, origin, HTTPRequest.queryOffset(in: origin), parsedVersion)
        }
        return (method, target, first(UInt8(ascii: "?"), in: targetBytes, from: 0), parsedVersion)
    }

    /// A line refused for a byte it may not hold says so when the byte is a CR that is not part of a
    /// line ending: the scan for the head's end looked only at the line ends.
    private static func refusal(_ error: HTTPParseError, of line: UnsafeRawBufferPointer) -> HTTPParseError {
        first(.cr, in: line, from: 0) == nil ? error : .bad("bare CR in request head")
    }

    /// Reduces a request target not in origin form (`/path?query`) to it, accepting absolute form.
    private static func originForm(_ target: String, method: HTTPMethod) throws(HTTPParseError) -> String {
        if target == "*" && method == .options { return target }
        for scheme in ["http://", "https://"] where target.lowercased().hasPrefix(scheme) {
            let afterScheme = target.dropFirst(scheme.count)
            guard let slash = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) else { return "/" }
            let rest = afterScheme[slash...]
            return rest.hasPrefix("/") ? String(rest) : "/" + rest
        }
        throw .bad("malformed request target")
    }

    /// Where the name (token characters) and the value without surrounding whitespace of the
    /// header line at `line` in `head` lie.
    private static func parseHeaderLine(
        in head: UnsafeRawBufferPointer, _ line: Range<Int>
    ) throws(HTTPParseError) -> HTTPHeaders.Span {
        // Scanned through a buffer of its own: indexing a slice costs a bounds check per byte.
        let bytes = UnsafeRawBufferPointer(rebasing: head[line])
        let first = bytes[0]  // a line of the head is never empty: the empty one ends it
        if first == .space || first == .tab { throw .bad("obsolete line folding in header") }
        // The name is the token characters up to the colon: one pass finds both, and the first
        // byte that is not a token character must be the colon (whitespace before it included,
        // RFC 9112 §5.1).
        var colon = 0
        while colon < bytes.count, bytes[colon].isTokenCharacter { colon += 1 }
        guard colon < bytes.count, bytes[colon] == .colon else {
            if Self.first(.colon, in: bytes, from: colon) == nil {
                throw refusal(.bad("header line without colon"), of: bytes)
            }
            throw refusal(.bad("malformed header name"), of: bytes)
        }
        guard colon > 0 else { throw .bad("malformed header name") }
        var start = colon + 1
        var end = bytes.count
        while start < end, bytes[start] == .space || bytes[start] == .tab { start += 1 }
        while end > start, bytes[end - 1] == .space || bytes[end - 1] == .tab { end -= 1 }
        if UnsafeRawBufferPointer(rebasing: bytes[start..<end]).containsControlCharacter {
            throw refusal(.bad("control character in header value"), of: bytes)
        }
        let base = line.lowerBound
        return HTTPHeaders.Span(name: base..<base + colon, value: base + start..<base + end)
    }
}
