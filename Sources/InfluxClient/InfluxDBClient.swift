public import CurlClient
import Foundation
import Synchronization

/// Writes line protocol to InfluxDB and runs its queries (InfluxQL, Flux, SQL), over the v1, v2 or v3 HTTP API.
public final class InfluxDBClient: Sendable {
    public let configuration: InfluxConfiguration
    private let http: CurlHTTPClient
    private let resolvedAPI: Mutex<InfluxAPI?>

    public init(configuration: InfluxConfiguration, http: CurlHTTPClient = CurlHTTPClient()) {
        self.configuration = configuration
        self.http = http
        resolvedAPI = Mutex(configuration.api == .auto ? nil : configuration.api)
    }

    /// `GET /ping`: the server's version (from `X-Influxdb-Version`).
    public func ping() throws(InfluxError) -> String {
        try Self.version(fromPing: send(pingRequest))
    }

    /// The request `ping` sends, for a caller that sends it itself (`CurlMulti`).
    public var pingRequest: HTTPClientRequest {
        HTTPClientRequest(url: configuration.url + "/ping", headers: authorization)
    }

    /// The version a ping's answer names. Throws unless it is 2xx.
    public static func version(fromPing response: HTTPClientResponse) throws(InfluxError) -> String {
        guard (200..<300).contains(response.status) else { throw error(from: response) }
        return response.header("X-Influxdb-Version") ?? "unknown"
    }

    /// The API, once configured or detected (nil before `auto` has pinged).
    public var knownAPI: InfluxAPI? { resolvedAPI.withLock { $0 } }

    /// Records the API a ping's answer implies (for `auto`) and returns it.
    @discardableResult
    public func detectAPI(fromPing response: HTTPClientResponse) throws(InfluxError) -> InfluxAPI {
        if let known = knownAPI { return known }
        let detected = Self.api(forVersion: try Self.version(fromPing: response))
        resolvedAPI.withLock { $0 = detected }
        return detected
    }

    /// The API in use: the configured one, or for `auto` the one the server's version implies:
    /// 3.x its own API, 2.x and Cloud the v2 API, anything else (1.x) the v1 API.
    public func api() throws(InfluxError) -> InfluxAPI {
        if let known = knownAPI { return known }
        return try detectAPI(fromPing: send(pingRequest))
    }

    /// `X-Influxdb-Version` to API: `3.x` (Core, Enterprise), `2.x`/`v2.x` or Cloud's, else 1.x.
    static func api(forVersion version: String) -> InfluxAPI {
        let digits = version.drop { !$0.isNumber }
        if digits.hasPrefix("3.") { return .v3 }
        return digits.hasPrefix("2.") || version.lowercased().contains("cloud") ? .v2 : .v1
    }

    /// Writes line protocol (LF-separated, nanosecond timestamps). Throws unless InfluxDB answered 2xx.
    /// Returns the body bytes sent (after gzip, when on).
    @discardableResult
    public func write(_ lineProtocol: [UInt8]) throws(InfluxError) -> Int {
        let request = writeRequest(lineProtocol, api: try api())
        try Self.checkWrite(send(request))
        return request.body.count
    }

    /// The request `write` sends for the API, for a caller that sends it itself (`CurlMulti`); its
    /// body is what goes on the wire (gzipped when configured).
    public func writeRequest(_ lineProtocol: [UInt8], api: InfluxAPI) -> HTTPClientRequest {
        let url: String
        switch api {
        case .v2, .auto:
            url =
                configuration.url + "/api/v2/write?"
                + Self.query([
                    ("org", configuration.org), ("bucket", configuration.bucket), ("precision", "ns"),
                ])
        case .v1:
            url = configuration.url + "/write?" + Self.query([("db", configuration.database), ("precision", "ns")])
        case .v3:
            // accept_partial: a bad line costs only itself, and the answer names it.
            url =
                configuration.url + "/api/v3/write_lp?"
                + Self.query([("db", configuration.database), ("precision", "nanosecond"), ("accept_partial", "true")])
        }
        var headers = authorization + [("Content-Type", "text/plain; charset=utf-8")]
        var body = lineProtocol
        if configuration.gzip, let compressed = Gzip.compress(lineProtocol) {
            headers.append(("Content-Encoding", "gzip"))
            body = compressed
        }
        return HTTPClientRequest(method: "POST", url: url, headers: headers, body: body)
    }

    /// Throws unless a write's answer says every line was written.
    public static func checkWrite(_ response: HTTPClientResponse) throws(InfluxError) {
        guard (200..<300).contains(response.status) else {
            if response.status == 400, let refused = refusedLines(response.body) {
                throw .partiallyWritten(refused: refused)
            }
            throw error(from: response)
        }
    }

    /// The lines of InfluxDB 3's partial-write answer (`{"error":"partial write of line protocol
    /// occurred","data":[{"original_line","line_number","error_message"}]}`); nil for any other body.
    static func refusedLines(_ body: [UInt8]) -> [RefusedLine]? {
        guard let json = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            json["error"] as? String == "partial write of line protocol occurred",
            let data = json["data"] as? [[String: Any]]
        else { return nil }
        let refused = data.compactMap { entry -> RefusedLine? in
            guard let number = (entry["line_number"] as? NSNumber)?.intValue, number >= 1 else { return nil }
            return RefusedLine(number: number, message: entry["error_message"] as? String ?? "")
        }
        return refused.isEmpty ? nil : refused
    }

    private func influxQLRequest(_ query: String, epoch: String) -> HTTPClientRequest {
        let form: [(String, String)] = [("q", query), ("db", configuration.database), ("epoch", epoch)]
        return HTTPClientRequest(
            method: "POST", url: configuration.url + "/query",
            headers: authorization + [("Content-Type", "application/x-www-form-urlencoded")],
            body: Array(Self.query(form).utf8))
    }

    /// Runs a Flux script through `POST /api/v2/query` and parses the annotated CSV as it streams in;
    /// memory stays bounded whatever the size of the answer. Errors before the first byte (HTTP status)
    /// and error tables inside the stream both throw, with the server's message.
    public func flux(_ script: String, _ onEvent: (AnnotatedCSVEvent) -> Void) throws(InfluxError) {
        let body =
            #"{"query":\#(Self.jsonString(script)),"type":"flux","dialect":{"header":true,"delimiter":",","#
            + ##""annotations":["datatype","group","default"],"commentPrefix":"#","dateTimeFormat":"RFC3339"}}"##
        let request = HTTPClientRequest(
            method: "POST", url: configuration.url + "/api/v2/query?" + Self.query([("org", configuration.org)]),
            headers: authorization + [("Content-Type", "application/json"), ("Accept", "application/csv")],
            body: Array(body.utf8))
        var parser = AnnotatedCSVParser()
        try streamAnswer(request) { bytes throws(AnnotatedCSVError) in try parser.feed(bytes, onEvent) }
        do throws(AnnotatedCSVError) {
            try parser.finish(onEvent)
        } catch {
            throw .queryFailed(error.description)
        }
    }

    /// Runs InfluxQL through the v1 `/query` endpoint (`POST`, so statements that change things are
    /// allowed; user text escaped with `InfluxQL`) and reads the JSON answer as it streams in, series
    /// by series; an error the answer reports throws `.queryFailed` with InfluxDB's message.
    public func influxQL(
        _ query: String, epoch: String = "ns", _ onEvent: (InfluxQLEvent) -> Void
    ) throws(InfluxError) {
        var parser = JSONStreamParser()
        var reader = InfluxQLAnswerReader()
        try streamAnswer(influxQLRequest(query, epoch: epoch)) { bytes throws(JSONStreamError) in
            try parser.feed(bytes) { reader.add($0, onEvent) }
        }
        do throws(JSONStreamError) {
            try parser.finish { reader.add($0, onEvent) }
        } catch {
            throw .invalidResponse("InfluxQL answer: \(error.description)")
        }
        if let message = reader.error { throw .queryFailed(message) }
    }

    /// Runs SQL through InfluxDB 3's `POST /api/v3/query_sql` on `database`, with `parameters` bound to
    /// its `$name` placeholders (so no user text is ever part of the SQL), and reads the answer as it
    /// streams in as JSON Lines: one call per row with the cells of `columns`, in that order.
    public func sql(
        _ query: String, database: String, parameters: [String: JSONParameter] = [:], columns: [String],
        _ onRow: ([JSONScalar]) -> Void
    ) throws(InfluxError) {
        let params = parameters.sorted { $0.key < $1.key }.map { "\(Self.jsonString($0.key)):\($0.value.json)" }
        let body =
            #"{"db":\#(Self.jsonString(database)),"q":\#(Self.jsonString(query)),"format":"jsonl","params":{"#
            + params.joined(separator: ",") + "}}"
        let request = HTTPClientRequest(
            method: "POST", url: configuration.url + "/api/v3/query_sql",
            headers: authorization + [("Content-Type", "application/json")], body: Array(body.utf8))
        var parser = JSONStreamParser()
        var reader = JSONLinesRowReader(columns: columns)
        try streamAnswer(request) { bytes throws(JSONStreamError) in
            try parser.feed(bytes) { reader.add($0, onRow) }
        }
        do throws(JSONStreamError) {
            try parser.finish { reader.add($0, onRow) }
        } catch {
            throw .invalidResponse("SQL answer: \(error.description)")
        }
    }

    /// Sends the request and, for a 2xx answer, hands its body to `feed` as it arrives; `feed`'s
    /// error ends the transfer and throws as `.queryFailed`, any other answer as InfluxDB's error.
    private func streamAnswer<Failure: Error & CustomStringConvertible>(
        _ request: HTTPClientRequest, _ feed: (UnsafeRawBufferPointer) throws(Failure) -> Void
    ) throws(InfluxError) {
        var streamError: Failure?
        let response: HTTPClientResponse
        do {
            response = try http.stream(request) { bytes in
                do throws(Failure) {
                    try feed(bytes)
                    return true
                } catch {
                    streamError = error
                    return false
                }
            }
        } catch {
            if let streamError { throw .queryFailed(streamError.description) }
            throw InfluxError(noAnswer: error)
        }
        guard (200..<300).contains(response.status) else { throw Self.error(from: response) }
    }

    static func jsonString(_ text: String) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes]) else {
            return "\"\""
        }
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)  // strip the array brackets
    }

    /// `Token`, which InfluxDB 1.x (with auth), 2.x and 3.x all accept.
    private var authorization: [(name: String, value: String)] {
        configuration.token.isEmpty ? [] : [("Authorization", "Token \(configuration.token)")]
    }

    private func send(_ request: HTTPClientRequest) throws(InfluxError) -> HTTPClientResponse {
        do {
            return try http.send(request)
        } catch {
            throw InfluxError(noAnswer: error)
        }
    }

    /// The server's own words: JSON `message` (2.x) or `error` (1.x), else the body, else headers.
    static func error(from response: HTTPClientResponse) -> InfluxError {
        var message = ""
        if let json = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] {
            message = (json["message"] as? String) ?? (json["error"] as? String) ?? ""
        }
        if message.isEmpty {
            message = String(response.bodyText.prefix(1000)).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if message.isEmpty {
            message = response.header("X-Influxdb-Error") ?? response.header("X-Platform-Error-Code") ?? ""
        }
        if message.isEmpty { message = "HTTP \(response.status)" }
        let retryAfter = response.header("Retry-After").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        return .server(status: response.status, message: message, retryAfter: retryAfter)
    }

    /// `application/x-www-form-urlencoded` query text; everything but unreserved characters escaped.
    static func query(_ items: [(String, String)]) -> String {
        items.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
    }

    static func percentEncode(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return encoded
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
