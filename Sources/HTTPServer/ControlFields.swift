/// The fields that frame the body or steer the connection, picked out by name as the head is
/// parsed, so no name is compared twice.
struct ControlFields {
    private var transferEncodings: [String] = []
    /// The body length the Content-Length fields give, or the first reason they give none; parsed
    /// as each field is noted, so no String or list is made of them (every request with a body has one).
    private var contentLength: Result<Int, HTTPParseError>?
    private var hosts = 0
    private var expect: String?
    private var connectionOptions: [String] = []

    /// Values become Strings only for these fields.
    mutating func note(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        let text = { String(decoding: value, as: UTF8.self) }
        switch name.count {
        case 4 where Self.matches(name, "host"): hosts += 1
        case 6 where Self.matches(name, "expect"): expect = expect ?? text()
        case 10 where Self.matches(name, "connection"): connectionOptions.append(text())
        case 14 where Self.matches(name, "content-length"): noteContentLength(value)
        case 17 where Self.matches(name, "transfer-encoding"): transferEncodings.append(text())
        default: break
        }
    }

    private mutating func noteContentLength(_ field: UnsafeRawBufferPointer) {
        // The usual field is one length: split into a list only when it is one.
        guard field.contains(UInt8(ascii: ",")) else { return noteContentLengthItem(field) }
        for item in field.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
            noteContentLengthItem(UnsafeRawBufferPointer(rebasing: item))
        }
    }

    /// One length against those before it: all must agree, and the first problem is the one reported.
    private mutating func noteContentLengthItem(_ item: UnsafeRawBufferPointer) {
        if case .failure = contentLength { return }
        do throws(HTTPParseError) {
            let value = try Self.decimalLength(item)
            if case .success(let length) = contentLength, length != value {
                throw .bad("conflicting Content-Length values")
            }
            contentLength = .success(value)
        } catch {
            contentLength = .failure(error)
        }
    }

    /// `name` is already known to be token characters, so setting the 0x20 bit folds case and
    /// cannot make another character equal a lowercase letter or `-`.
    private static func matches(_ name: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        guard name.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = lowercase.utf8Start
        for index in 0..<name.count where name[index] | 0x20 != expected[index] { return false }
        return true
    }

    /// RFC 9112 §6.1–6.3: exactly one unambiguous way to find the body's end, or a refusal.
    func framing(version: HTTPVersion, limits: HTTPLimits) throws(HTTPParseError) -> RequestParser.Framing {
        if !transferEncodings.isEmpty {
            guard contentLength == nil else { throw .bad("both Content-Length and Transfer-Encoding") }
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
        let bodyLength = try contentLength?.get() ?? 0
        if bodyLength > limits.maxBodyBytes { throw HTTPParseError(status: .payloadTooLarge, reason: "body too large") }
        if hosts > 1 || (version == .http11 && hosts == 0) {
            throw .bad("exactly one Host header is required")
        }
        return .length(bodyLength)
    }

    /// One item of a Content-Length list: digits only, optional whitespace around them. Byte-wise:
    /// every request with a body has one.
    private static func decimalLength(_ item: UnsafeRawBufferPointer) throws(HTTPParseError) -> Int {
        var start = 0
        var end = item.count
        while start < end, item[start] == .space || item[start] == .tab { start += 1 }
        while end > start, item[end - 1] == .space || item[end - 1] == .tab { end -= 1 }
        guard start < end else { throw .bad("non-numeric Content-Length") }
        var length = 0
        for index in start..<end {
            let digit = item[index] &- UInt8(ascii: "0")
            guard digit < 10 else { throw .bad("non-numeric Content-Length") }
            length = length &* 10 &+ Int(digit)  // wraps only past 18 digits, refused below
        }
        guard end - start <= 18 else { throw HTTPParseError(status: .payloadTooLarge, reason: "body too large") }
        return length
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
