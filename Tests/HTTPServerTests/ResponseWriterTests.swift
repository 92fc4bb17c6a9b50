import Glibc
import Testing

@testable import HTTPServer

/// The exact bytes of response heads: the framing is the server's alone, and no handler's header
/// value can start a line of its own (response splitting).
@Suite struct ResponseWriterTests {
    /// What one writer queued for `times` answers, as sent through a socket pair, with each `Date`
    /// value replaced by `*`.
    private func written(
        _ response: HTTPResponse, for method: HTTPMethod = .get, version: HTTPVersion = .http11,
        keepAlive: Bool = true, times: Int = 1
    ) throws -> String {
        var writer = ResponseWriter()
        var output = OutputQueue()
        for _ in 0..<times {
            writer.encode(response, for: method, version: version, keepAlive: keepAlive, into: &output)
        }
        var fds: [Int32] = [0, 0]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        defer { fds.forEach { _ = close($0) } }
        while !output.isEmpty { try #require(output.send(to: fds[0]) > 0) }
        shutdown(fds[0], Int32(SHUT_WR))
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while case let count = read(fds[1], &buffer, buffer.count), count > 0 { bytes += buffer.prefix(count) }
        var text = String(decoding: bytes, as: UTF8.self)
        let imfFixdate = /Date: [A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT/
        _ = try #require(text.firstRange(of: imfFixdate))
        text.replace(imfFixdate, with: "Date: *")
        return text
    }

    @Test func aHeadCarriesTheServersFramingAndHandlersHeadersOnTheirOwnLines() throws {
        let body = [UInt8](repeating: UInt8(ascii: "a"), count: 1234)
        let response = HTTPResponse(
            status: .ok,
            headers: [
                "X-Note": "one\r\nSet-Cookie: evil\0", "content-length": "9", "Transfer-Encoding": "chunked",
                "Bad Name": "x", "Content-Type": "text/plain",
            ], body: body)
        #expect(
            try written(response)
                == "HTTP/1.1 200 OK\r\nDate: *\r\nContent-Length: 1234\r\nX-Note: one  Set-Cookie: evil \r\n"
                + "Content-Type: text/plain\r\n\r\n" + String(repeating: "a", count: 1234))
        #expect(
            try written(response, for: .head)
                == "HTTP/1.1 200 OK\r\nDate: *\r\nContent-Length: 1234\r\nX-Note: one  Set-Cookie: evil \r\n"
                + "Content-Type: text/plain\r\n\r\n")
        for length in [10, 1000, 65536] {
            let sized = HTTPResponse(status: .ok, headers: [:], body: [UInt8](repeating: 0, count: length))
            #expect(try written(sized, for: .head).contains("\r\nContent-Length: \(length)\r\n"))
        }
    }

    @Test func bodylessAnswersAndConnectionChoicesAreFramedAsHTTPSays() throws {
        #expect(
            try written(HTTPResponse(status: .noContent), version: .http10)
                == "HTTP/1.0 204 No Content\r\nDate: *\r\nConnection: keep-alive\r\n\r\n")
        #expect(
            try written(HTTPResponse(status: .serviceUnavailable), keepAlive: false)
                == "HTTP/1.1 503 Service Unavailable\r\nDate: *\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        #expect(
            try written(HTTPResponse(status: HTTPStatus(code: 100, reason: "Continue")))
                == "HTTP/1.1 100 Continue\r\nDate: *\r\n\r\n")
    }

    /// A device's answer, the commonest, is made once a second and reused; the same bytes every
    /// time, and an answer that differs in anything (a field, the version, a close) is made whole.
    @Test func theReusedNoContentHeadIsExactlyTheHeadItStandsFor() throws {
        #expect(
            try written(HTTPResponse(status: .noContent), times: 3)
                == String(repeating: "HTTP/1.1 204 No Content\r\nDate: *\r\n\r\n", count: 3))
        #expect(
            try written(HTTPResponse(status: .noContent, headers: ["X-Request": "7"]), times: 2)
                == String(repeating: "HTTP/1.1 204 No Content\r\nDate: *\r\nX-Request: 7\r\n\r\n", count: 2))
        #expect(
            try written(HTTPResponse(status: .noContent), keepAlive: false, times: 2)
                == String(repeating: "HTTP/1.1 204 No Content\r\nDate: *\r\nConnection: close\r\n\r\n", count: 2))
    }
}
