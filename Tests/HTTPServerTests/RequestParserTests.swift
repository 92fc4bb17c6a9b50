import Testing

@testable import HTTPServer

/// Parses `text` as fed in one piece; returns the request or the refusal.
private func parse(_ text: String, limits: HTTPLimits = HTTPLimits()) -> Result<
    HTTPRequest, HTTPParseError
>? {
    var parser = RequestParser(limits: limits)
    let bytes = Array(text.utf8)
    do {
        let step = try bytes.withUnsafeBytes { try parser.parse($0) }
        if case .complete(let request, _, _) = step { return .success(request) }
        return nil
    } catch let error as HTTPParseError {
        return .failure(error)
    } catch {
        return nil
    }
}

/// What the parser makes of a whole input: a request (its body's size), a wish for more bytes, or a refusal.
private enum Outcome: Equatable {
    case complete(bodyBytes: Int)
    case needsMoreBytes
    case refused(status: Int)
}

private func outcome(_ text: String, limits: HTTPLimits) -> Outcome {
    switch parse(text, limits: limits) {
    case .success(let request): .complete(bodyBytes: request.body.count)
    case .failure(let error): .refused(status: error.status.code)
    case nil: .needsMoreBytes
    }
}

private func status(_ text: String, limits: HTTPLimits = HTTPLimits()) -> Int? {
    if case .failure(let error) = parse(text, limits: limits) { return error.status.code }
    return nil
}

@Suite struct RequestParserTests {
    static let chunkedPost =
        "POST /write?db=x HTTP/1.1\r\nHost: gw\r\ntransfer-encoding: chunked\r\n\r\n"
        + "4;ext=1\r\n01SM\r\n3\r\n144\r\n0\r\nX-Trailer: yes\r\n\r\n"

    /// A request split at any byte parses to the same request, consuming exactly its own bytes.
    @Test func requestSplitAtEveryByteParsesTheSame() throws {
        let bytes = Array(Self.chunkedPost.utf8)
        for split in 1..<bytes.count {
            var parser = RequestParser(limits: HTTPLimits())
            let first = try Array(bytes[..<split]).withUnsafeBytes { try parser.parse($0) }
            guard case .needMoreBytes = first else {
                Issue.record("a request before its end at split \(split)")
                return
            }
            let second = try bytes.withUnsafeBytes { try parser.parse($0) }
            guard case .complete(let request, _, let consumed) = second else {
                Issue.record("no request at split \(split)")
                return
            }
            #expect(consumed == bytes.count)
            #expect(request.body == Array("01SM144".utf8))
            #expect(request.target == "/write?db=x")
        }
    }

    @Test func pipelinedRequestsAreConsumedOneAtATime() throws {
        let text = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
        let bytes = Array(text.utf8)
        var parser = RequestParser(limits: HTTPLimits())
        guard case .complete(let first, _, let used) = try bytes.withUnsafeBytes({ try parser.parse($0) }) else {
            Issue.record("first request not parsed")
            return
        }
        #expect(first.target == "/a")
        guard
            case .complete(let second, _, let rest) = try Array(bytes[used...]).withUnsafeBytes({ try parser.parse($0) }
            )
        else {
            Issue.record("second request not parsed")
            return
        }
        #expect(second.method == .post && second.body == Array("abc".utf8) && used + rest == bytes.count)
    }

    @Test func headerNamesAreCaseInsensitiveAndValuesTrimmed() throws {
        let request = try #require(try parse("GET / HTTP/1.1\r\nhOsT:   gw \t\r\nX-A: 1\r\nx-a: 2\r\n\r\n")?.get())
        let headers = request.headers
        #expect(headers["HOST"] == "gw")
        #expect(headers.values("X-A") == ["1", "2"])
    }

    /// A parsed head's fields (kept as its bytes) and fields added later behave as one list.
    @Test func parsedAndAddedFieldsAreOneOrderedList() throws {
        var headers = try #require(try parse("GET / HTTP/1.1\r\nhOsT: gw\r\nX-A: 1\r\nx-a: zoë\r\n\r\n")?.get()).headers
        headers.add("Set-Cookie", "a=1")
        headers.replaceOrAdd("X-a", "3")
        headers.add("set-cookie", "b=2")
        #expect(
            headers.fields.map { "\($0.name)=\($0.value)" } == ["hOsT=gw", "Set-Cookie=a=1", "X-a=3", "set-cookie=b=2"])
        #expect(headers.values("SET-COOKIE") == ["a=1", "b=2"] && headers["x-A"] == "3" && headers.count == 4)
        headers.remove("host")
        #expect(headers["Host"] == nil && headers == ["Set-Cookie": "a=1", "X-a": "3", "set-cookie": "b=2"])
    }

    /// Header names and methods are RFC 9110 tokens: each of the 256 byte values is classed as the
    /// RFC's list says, and a name or method holding a byte outside it is refused.
    @Test func headerNamesAndMethodsAreExactlyTheRFCsTokenCharacters() {
        let tchar = Set("!#$%&'*+-.^_`|~0123456789".utf8).union((65...90).map(UInt8.init)).union(
            (97...122).map(UInt8.init))
        for byte in UInt8.min...UInt8.max {
            #expect(byte.isTokenCharacter == tchar.contains(byte), "byte \(byte)")
        }
        for character in ["~", "`", "@", "(", "\u{7F}"] {
            let valid = tchar.contains(UInt8(ascii: Unicode.Scalar(character)!))
            #expect((status("GET / HTTP/1.1\r\nHost: gw\r\nX\(character): 1\r\n\r\n") == nil) == valid, "\(character)")
            #expect((status("G\(character)T / HTTP/1.1\r\nHost: gw\r\n\r\n") == nil) == valid, "\(character)")
        }
    }

    /// The word-at-a-time check agrees with the byte-wise rule for every byte at every place in
    /// values of every length up to three words (shorter than a word, whole words, a last word
    /// overlapping the one before): tab and obs-text allowed, other controls and DEL not.
    @Test func fieldValueControlCharactersAreFoundAtEveryPosition() {
        let isControl = { (byte: UInt8) in byte < 0x20 && byte != 0x09 || byte == 0x7f }
        for length in 1...24 {
            for byte in UInt8.min...UInt8.max {
                for position in 0..<length {
                    var value = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    value[(position + 5) % length] = 0x09
                    value[position] = byte
                    let found = value.withUnsafeBytes { $0.containsControlCharacter }
                    #expect(found == isControl(byte), "byte \(byte) at \(position) of \(length)")
                }
            }
        }
        #expect(![UInt8]().withUnsafeBytes { $0.containsControlCharacter })
    }

    @Test func bareCarriageReturnInsideALineIsRefusedAsOne() {
        for line in [
            "GET /a\rb HTTP/1.1\r\nHost: x\r\n\r\n", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nX\r-A: ab\r\n\r\n", "GET / HTTP/1.1\r\nHost: x\r\n\r\r\n\r\n",
        ] {
            guard case .failure(let error) = parse(line) else {
                Issue.record("accepted \(line.debugDescription)")
                continue
            }
            #expect(error == .bad("bare CR in request head"), "\(line.debugDescription)")
        }
    }

    @Test func leadingBlankLinesAndAbsoluteFormAreAccepted() throws {
        let request = try #require(try parse("\r\n\r\nGET http://gw:5000/write?x=1 HTTP/1.0\r\n\r\n")?.get())
        #expect(request.target == "/write?x=1" && request.version == .http10)
    }

    /// Split the same whether the request was made by hand or parsed (the parser finds the `?` as
    /// it checks the target's bytes, in origin and in absolute form).
    @Test func pathAndQueryAreSplitAtTheFirstQuestionMark() throws {
        for target in ["/write?x=1&q=a%3Fb?c", "http://gw:5000/write?x=1&q=a%3Fb?c"] {
            let parsed = try #require(try parse("GET \(target) HTTP/1.1\r\nHost: gw\r\n\r\n")?.get())
            for request in [HTTPRequest(method: .get, target: parsed.target), parsed] {
                #expect(request.path == "/write" && request.query("x") == "1" && request.query("q") == "a?b?c")
            }
        }
        let plain = try #require(try parse("GET /write HTTP/1.1\r\nHost: gw\r\n\r\n")?.get())
        #expect(plain.path == "/write" && plain.queryItems.isEmpty)
        #expect(HTTPRequest(method: .get, target: "/write").queryItems.isEmpty)
    }

    @Test func identicalDuplicateContentLengthsAreOneLength() throws {
        let request = try #require(
            try parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nok")?.get())
        #expect(request.body == Array("ok".utf8))
    }

    /// The request-smuggling vectors and other malformed heads: each refused with its status.
    @Test(arguments: [
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 4\r\n\r\nabcd", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x3\r\n\r\nabc", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
        ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 400),
        ("GET / HTTP/1.1\nHost: x\n\n", 400),
        ("GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\n: nameless\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nNo-Colon\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nX(A): 1\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u{0}b\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        ("GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("GET nopath HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("G(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        ("GET / HTTQ/1.1\r\nHost: x\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\n\r\n", 417),
        // The framing fields are found whatever the case of their names.
        ("POST / HTTP/1.1\r\nhost: x\r\ncontent-LENGTH: 3\r\nTRANSFER-encoding: chunked\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHOST: a\r\nhost: b\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nEXPECT: 200-ok\r\n\r\n", 417),
    ])
    func ambiguousOrMalformedRequestIsRefused(request: String, expected: Int) {
        #expect(status(request) == expected)
    }

    @Test func limitsAreEnforcedAtTheirBoundaries() {
        var limits = HTTPLimits()
        limits.maxRequestLineBytes = 64
        limits.maxHeadBytes = 256
        limits.maxHeaderCount = 3
        limits.maxBodyBytes = 10
        // The request line counts its CRLF: 64 bytes fit, 65 do not.
        let fitting = "GET /" + String(repeating: "a", count: 64 - 16) + " HTTP/1.1\r\n"
        #expect(fitting.utf8.count == 64)
        #expect(outcome(fitting + "Host: x\r\n\r\n", limits: limits) == .complete(bodyBytes: 0))
        #expect(
            status("GET /a" + String(repeating: "a", count: 64 - 16) + " HTTP/1.1\r\nHost: x\r\n\r\n", limits: limits)
                == 414)
        #expect(outcome("GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\n\r\n", limits: limits) == .complete(bodyBytes: 0))
        #expect(status("GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits: limits) == 431)
        #expect(
            status("GET / HTTP/1.1\r\nHost: x\r\nA: " + String(repeating: "v", count: 300) + "\r\n\r\n", limits: limits)
                == 431)
        #expect(
            outcome("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789", limits: limits)
                == .complete(bodyBytes: 10))
        // A body within the limit that has not all arrived is waited for, not refused.
        #expect(
            outcome("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234", limits: limits) == .needsMoreBytes)
        #expect(status("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n", limits: limits) == 413)
        #expect(
            status("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n", limits: limits) == 413)
        #expect(
            status(
                "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n5\r\n", limits: limits)
                == 413)
    }

    /// A head that never ends is refused once it passes the limit, without waiting for more.
    @Test func unterminatedHeadIsRefusedAtTheLimit() {
        var limits = HTTPLimits()
        limits.maxHeadBytes = 100
        #expect(status("GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 120), limits: limits) == 431)
        #expect(status("GET /" + String(repeating: "a", count: 9000), limits: HTTPLimits()) == 414)
    }
}
