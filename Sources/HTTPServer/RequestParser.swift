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
        guard let head else { return .needMoreBytes }
        switch head.framing {
        case .length(let length):
            guard bytes.count - headLength >= length else { return .needMoreBytes }
            let body = Array(bytes[headLength..<headLength + length])
            return complete(head, body: body, consumed: headLength + length)
        case .chunked:
            guard let end = try chunks.decode(bytes, from: headLength, limits: limits) else {
                if bytes.count >= limits.maxRawRequestBytes {
                    throw HTTPParseError(status: .payloadTooLarge, reason: "chunked body framing too large")
                }
                return .needMoreBytes
            }
            return complete(head, body: chunks.body, consumed: end)
        }
    }

    private mutating func complete(_ head: Head, body: [UInt8], consumed: Int) -> Step {
        let request = ParsedRequest(
            method: head.method, target: head.target, version: head.version, headers: head.headers, body: body,
            keepAlive: head.keepAlive)
        self = RequestParser(limits: limits)
        return .complete(request, consumed: consumed)
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
        var lineStart = scanOffset
        var index = scanOffset
        while index < bytes.count {
            let byte = bytes[index]
            if byte == .cr {
                guard index + 1 < bytes.count else { break }
                guard bytes[index + 1] == .lf else { throw .bad("bare CR in request head") }
                index += 2
                if lineStart == leadingBlankBytes, index - leadingBlankBytes > limits.maxRequestLineBytes {
                    throw HTTPParseError(status: .uriTooLong, reason: "request line too long")
                }
                if index - lineStart == 2 { return index }
                lineStart = index
                scanOffset = index
                continue
            }
            if byte == .lf { throw .bad("bare LF in request head") }
            index += 1
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
            guard let end = firstLF(bytes, from: lineStart), end - 1 > lineStart else { return nil }
            defer { lineStart = end + 1 }
            return bytes[lineStart..<end - 1]
        }
        guard let requestLine = nextLine() else { throw .bad("missing request line") }
        let (method, target, version) = try parseRequestLine(requestLine)
        var headers = HTTPHeaders(capacity: 8)
        var control = ControlFields()
        while let line = nextLine() {
            if headers.fields.count == limits.maxHeaderCount {
                throw HTTPParseError(status: .headersTooLarge, reason: "too many header fields")
            }
            let (name, valueBytes) = try parseHeaderLine(line)
            let value = String(decoding: valueBytes, as: UTF8.self)
            control.note(name: name, value: value)
            headers.add(String(decoding: name, as: UTF8.self), value)
        }
        return Head(
            method: method, target: target, version: version, headers: headers,
            framing: try control.framing(version: version, limits: limits),
            expectsContinue: try control.expectsContinue(version: version),
            keepAlive: control.keepAlive(version: version))
    }

    private static func firstLF(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start < bytes.count, let base = bytes.baseAddress,
            let found = memchr(base + start, Int32(UInt8.lf), bytes.count - start)
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
        let version = String(decoding: versionBytes, as: UTF8.self)
        guard let parsedVersion = HTTPVersion(rawValue: version) else {
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
        guard let first = line.first else { throw .bad("empty header line") }
        if first == .space || first == .tab { throw .bad("obsolete line folding in header") }
        guard let colon = line.firstIndex(of: .colon) else { throw .bad("header line without colon") }
        let name = line[line.startIndex..<colon]
        guard !name.isEmpty, name.allSatisfy(\.isTokenCharacter) else {
            throw .bad("malformed header name")  // includes whitespace before the colon (RFC 9112 §5.1)
        }
        var value = line[(colon + 1)...]
        while let byte = value.first, byte == .space || byte == .tab { value = value.dropFirst() }
        while let byte = value.last, byte == .space || byte == .tab { value = value.dropLast() }
        guard value.allSatisfy({ $0 == .tab || $0 >= 0x20 && $0 != 0x7f }) else {
            throw .bad("control character in header value")
        }
        return (name, value)
    }
}

/// The fields that frame the body or steer the connection, picked out by name as the head is
/// parsed, so no name is compared twice.
private struct ControlFields {
    private var transferEncodings: [String] = []
    private var contentLengths: [String] = []
    private var hosts = 0
    private var expect: String?
    private var connectionOptions: [String] = []

    mutating func note(name: UnsafeRawBufferPointer.SubSequence, value: String) {
        switch name.count {
        case 4 where Self.matches(name, "host"): hosts += 1
        case 6 where Self.matches(name, "expect"): expect = expect ?? value
        case 10 where Self.matches(name, "connection"): connectionOptions.append(value)
        case 14 where Self.matches(name, "content-length"): contentLengths.append(value)
        case 17 where Self.matches(name, "transfer-encoding"): transferEncodings.append(value)
        default: break
        }
    }

    /// `name` is already known to be token characters, so setting the 0x20 bit folds case and
    /// cannot make another character equal a lowercase letter or `-`.
    private static func matches(_ name: UnsafeRawBufferPointer.SubSequence, _ lowercase: StaticString) -> Bool {
        lowercase.withUTF8Buffer { expected in zip(name, expected).allSatisfy { $0 | 0x20 == $1 } }
    }

    /// RFC 9112 §6.1–6.3: exactly one unambiguous way to find the body's end, or a refusal.
    func framing(version: HTTPVersion, limits: HTTPLimits) throws(HTTPParseError) -> RequestParser.Framing {
        if !transferEncodings.isEmpty {
            guard contentLengths.isEmpty else { throw .bad("both Content-Length and Transfer-Encoding") }
            guard version == .http11 else { throw .bad("Transfer-Encoding in an HTTP/1.0 request") }
            let codings = transferEncodings.flatMap { $0.split(separator: ",") }.map {
                asciiLowercased($0.trimmingOWS())
            }
            if codings == ["chunked"] { return .chunked }
            if codings.last != "chunked" || codings.filter({ $0 == "chunked" }).count > 1 {
                throw .bad("chunked must be the final transfer coding, once")
            }
            throw HTTPParseError(status: .notImplemented, reason: "unsupported transfer coding")
        }
        var length: Int?
        for field in contentLengths {
            for item in field.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
                let value = try Self.decimalLength(item)
                if let length, length != value { throw .bad("conflicting Content-Length values") }
                length = value
            }
        }
        let bodyLength = length ?? 0
        if bodyLength > limits.maxBodyBytes { throw HTTPParseError(status: .payloadTooLarge, reason: "body too large") }
        if hosts > 1 || (version == .http11 && hosts == 0) {
            throw .bad("exactly one Host header is required")
        }
        return .length(bodyLength)
    }

    /// One item of a Content-Length list: digits only, optional whitespace around them. Byte-wise:
    /// every request with a body has one.
    private static func decimalLength(_ item: Substring.UTF8View.SubSequence) throws(HTTPParseError) -> Int {
        let isBlank = { (byte: UInt8) in byte == .space || byte == .tab }
        guard let first = item.firstIndex(where: { !isBlank($0) }), let last = item.lastIndex(where: { !isBlank($0) })
        else { throw .bad("non-numeric Content-Length") }
        let digits = item[first...last]
        guard digits.allSatisfy({ (48...57).contains($0) }) else { throw .bad("non-numeric Content-Length") }
        guard digits.count <= 18 else { throw HTTPParseError(status: .payloadTooLarge, reason: "body too large") }
        return digits.reduce(0) { $0 * 10 + Int($1 - 48) }
    }

    func expectsContinue(version: HTTPVersion) throws(HTTPParseError) -> Bool {
        guard let expect else { return false }
        guard equalIgnoringASCIICase(expect.utf8, "100-continue".utf8) else {
            throw HTTPParseError(status: .expectationFailed, reason: "unsupported expectation")
        }
        return version == .http11
    }

    /// HTTP/1.1 stays open unless `Connection: close`; HTTP/1.0 closes unless `Connection: keep-alive`.
    func keepAlive(version: HTTPVersion) -> Bool {
        switch version {
        case .http11: !lists("close")
        case .http10: lists("keep-alive")
        }
    }

    private func lists(_ option: String) -> Bool {
        connectionOptions.contains { value in
            value.split(separator: ",").contains { equalIgnoringASCIICase($0.trimmingOWS().utf8, option.utf8) }
        }
    }
}

/// Decodes a chunked body (RFC 9112 §7.1) incrementally; trailer fields are read and discarded.
struct ChunkedBodyDecoder {
    private enum State: Equatable {
        case sizeLine
        case data(remaining: Int)
        case dataEnd
        case trailers
    }

    private var state = State.sizeLine
    private var position: Int?
    private var trailerBytes = 0
    private(set) var body: [UInt8] = []

    private static let maxSizeLineBytes = 4096

    /// Returns the offset just past the body once the last chunk and trailers have arrived.
    mutating func decode(
        _ bytes: UnsafeRawBufferPointer, from start: Int, limits: HTTPLimits
    ) throws(HTTPParseError) -> Int? {
        var offset = position ?? start
        defer { position = offset }
        while true {
            switch state {
            case .sizeLine:
                guard let end = try Self.lineEnd(bytes, from: offset, limit: Self.maxSizeLineBytes) else { return nil }
                let size = try Self.chunkSize(bytes[offset..<end - 2])
                offset = end
                if size == 0 {
                    state = .trailers
                } else {
                    guard body.count + size <= limits.maxBodyBytes else {
                        throw HTTPParseError(status: .payloadTooLarge, reason: "body too large")
                    }
                    state = .data(remaining: size)
                }
            case .data(let remaining):
                let available = min(remaining, bytes.count - offset)
                guard available > 0 else { return nil }
                body.append(contentsOf: bytes[offset..<offset + available])
                offset += available
                state = remaining == available ? .dataEnd : .data(remaining: remaining - available)
            case .dataEnd:
                guard bytes.count - offset >= 2 else { return nil }
                guard bytes[offset] == .cr, bytes[offset + 1] == .lf else {
                    throw .bad("chunk data not followed by CRLF")
                }
                offset += 2
                state = .sizeLine
            case .trailers:
                guard let end = try Self.lineEnd(bytes, from: offset, limit: limits.maxHeadBytes - trailerBytes) else {
                    return nil
                }
                trailerBytes += end - offset
                if end - offset == 2 { return end }
                let first = bytes[offset]
                if first == .space || first == .tab || !bytes[offset..<end - 2].contains(.colon) {
                    throw .bad("malformed trailer field")
                }
                offset = end
            }
        }
    }

    /// Offset after the next CRLF, or nil if it has not arrived; bare CR or LF is an error.
    private static func lineEnd(
        _ bytes: UnsafeRawBufferPointer, from offset: Int, limit: Int
    ) throws(HTTPParseError) -> Int? {
        var index = offset
        while index < bytes.count {
            if index - offset >= limit {
                throw HTTPParseError(status: .headersTooLarge, reason: "chunk framing line too long")
            }
            switch bytes[index] {
            case .cr:
                guard index + 1 < bytes.count else { return nil }
                guard bytes[index + 1] == .lf else { throw .bad("bare CR in chunk framing") }
                return index + 2
            case .lf: throw .bad("bare LF in chunk framing")
            default: index += 1
            }
        }
        if index - offset >= limit {
            throw HTTPParseError(status: .headersTooLarge, reason: "chunk framing line too long")
        }
        return nil
    }

    /// `1*HEXDIG [ BWS ";" extensions ]`; anything else, or a size past 2^60, is a bad chunk size.
    private static func chunkSize(_ line: UnsafeRawBufferPointer.SubSequence) throws(HTTPParseError) -> Int {
        var size = 0
        var digits = 0
        var index = line.startIndex
        while index < line.endIndex, let value = line[index].hexValue {
            size = size << 4 | Int(value)
            digits += 1
            index += 1
            if digits > 15 { throw .bad("bad chunk size") }
        }
        guard digits > 0 else { throw .bad("bad chunk size") }
        while index < line.endIndex, line[index] == .space || line[index] == .tab { index += 1 }
        guard index == line.endIndex || line[index] == UInt8(ascii: ";") else { throw .bad("bad chunk size") }
        return size
    }
}

extension UInt8 {
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let colon = UInt8(ascii: ":")

    /// RFC 9110 §5.6.2 `tchar`.
    var isTokenCharacter: Bool {
        switch self {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default: false
        }
    }

    var hexValue: UInt8? {
        switch self {
        case 48...57: self - 48
        case 65...70: self - 55
        case 97...102: self - 87
        default: nil
        }
    }
}
