import CurlClient
import Foundation
import HTTPServer
import InfluxClient
import Synchronization
import TestSupport
import Testing

@Suite struct InfluxDBClientTests {
    /// Against a real `influxd` 1.x: written points read back exactly, including awkward tag values.
    @Test func writesToRealInfluxDB1AndReadsBack() throws {
        let influxd = try InfluxDServer.shared()
        let database = try influxd.createDatabase("client")
        let client = InfluxDBClient(
            configuration: InfluxConfiguration(url: influxd.url, database: database, api: .auto))
        #expect(try client.api() == .v1)
        var body: [UInt8] = []
        try LineProtocol.encode(
            Point(
                measurement: "m x", tags: ["user": #"a "b", c=d \e"#], fields: ["reading": .integer(7)],
                timestamp: 1_000),
            into: &body)
        try client.write(body)
        let rows = try influxd.rows("SELECT * FROM \"m x\"", database: database)
        #expect(rows.count == 1)
        #expect(rows.first?.0 == "m x")
        #expect(rows.first?.1["user"] as? String == #"a "b", c=d \e"#)
        #expect((rows.first?.1["reading"] as? NSNumber)?.int64Value == 7)
        #expect((rows.first?.1["time"] as? NSNumber)?.int64Value == 1_000)
    }

    @Test func gzipBodiesAreAcceptedByRealInfluxDB1() throws {
        let influxd = try InfluxDServer.shared()
        let database = try influxd.createDatabase("gzip")
        let client = InfluxDBClient(
            configuration: InfluxConfiguration(url: influxd.url, database: database, api: .v1, gzip: true))
        let lines = (0..<500).map { "m,device_id=01 reading=\($0)i \(1_000 + $0)\n" }.joined()
        try client.write(Array(lines.utf8))
        #expect(try influxd.rows("SELECT count(reading) FROM m", database: database).first?.1["count"] as? Int == 500)
    }

    @Test func realInfluxDB1ErrorCarriesStatusAndMessage() throws {
        let influxd = try InfluxDServer.shared()
        let client = InfluxDBClient(
            configuration: InfluxConfiguration(url: influxd.url, database: "does_not_exist", api: .v1))
        #expect(
            throws: InfluxError.server(status: 404, message: #"database not found: "does_not_exist""#, retryAfter: nil)
        ) {
            try client.write(Array("m v=1i 1\n".utf8))
        }
    }

    @Test func unreachableServerIsATransientError() throws {
        let closed = try ClosedPort()
        let client = InfluxDBClient(
            configuration: InfluxConfiguration(url: "http://127.0.0.1:\(closed.port)", api: .v1))
        do {
            try client.write(Array("m v=1i 1\n".utf8))
            Issue.record("write to a closed port succeeded")
        } catch {
            guard case .unreachable = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(error.writeRemedy == .retry(afterSeconds: nil))
        }
    }

    /// InfluxDB 2.x cannot run here; this replays the exact bytes 2.x answers (see
    /// shared/reference/influxdb-api.md §1.1) and checks the request the client makes.
    @Test func v2WriteReplayingRecorded2xResponses() throws {
        let replay = try ReplayServer { request in
            if request.path == "/ping" {
                return HTTPResponse(
                    status: .noContent, headers: ["X-Influxdb-Version": "v2.7.12", "X-Influxdb-Build": "OSS"])
            }
            if request.query("bucket") == "full" {
                var response = HTTPResponse(
                    status: HTTPStatus(code: 429, reason: "Too Many Requests"), contentType: "application/json",
                    body: #"{"code":"too many requests","message":"org exceeded write limits"}"#)
                response.headers.add("Retry-After", "30")
                return response
            }
            return HTTPResponse(status: .noContent)
        }
        defer { replay.stop() }
        let configuration = InfluxConfiguration(
            url: replay.url + "/", token: "secret==", org: "my org", bucket: "plants")
        let client = InfluxDBClient(configuration: configuration)
        try client.write(Array("m v=1i 1\n".utf8))
        let write = try #require(replay.requests.last)
        #expect(write.method == .post)
        #expect(write.target == "/api/v2/write?org=my%20org&bucket=plants&precision=ns")
        #expect(write.headers["Authorization"] == "Token secret==")
        #expect(write.headers["Content-Type"] == "text/plain; charset=utf-8")
        #expect(write.body == Array("m v=1i 1\n".utf8))

        let limited = InfluxDBClient(
            configuration: InfluxConfiguration(url: replay.url, token: "t", org: "o", bucket: "full", api: .v2))
        #expect(throws: InfluxError.server(status: 429, message: "org exceeded write limits", retryAfter: 30)) {
            try limited.write(Array("m v=1i 1\n".utf8))
        }
    }

    /// Error bodies are read the way each version writes them: 2.x `message`, 1.x `error`, plain text.
    @Test(arguments: [
        (
            #"{"code":"invalid","message":"unable to parse 'm,host=a': missing fields"}"#,
            "unable to parse 'm,host=a': missing fields"
        ),
        (#"{"error":"partial write: field type conflict dropped=1"}"#, "partial write: field type conflict dropped=1"),
        ("upstream timed out\n", "upstream timed out"),
    ])
    func serverMessageIsExtractedReplayingRecordedBodies(body: String, message: String) throws {
        let replay = try ReplayServer { _ in
            HTTPResponse(status: .badRequest, contentType: "application/json", body: body)
        }
        defer { replay.stop() }
        let client = InfluxDBClient(configuration: InfluxConfiguration(url: replay.url, api: .v1))
        #expect(throws: InfluxError.server(status: 400, message: message, retryAfter: nil)) {
            try client.write(Array("m v=1i 1\n".utf8))
        }
    }

    @Test func curlClientStreamsBodiesAndReusesConnections() throws {
        let replay = try ReplayServer { _ in .text(.ok, String(repeating: "x", count: 100_000)) }
        defer { replay.stop() }
        let client = CurlHTTPClient()
        var received = 0
        for _ in 0..<3 {
            _ = try client.stream(HTTPClientRequest(url: replay.url + "/big")) { bytes in
                received += bytes.count
                return true
            }
        }
        #expect(received == 3 * 100_001)
        #expect(try client.send(HTTPClientRequest(url: replay.url + "/big")).body.count == 100_001)
        let remotePorts = Set(replay.requests.map(\.remoteAddress))
        #expect(remotePorts.count == 1)  // one kept-alive connection served all four
    }
}

/// Flux query failures, replaying the two ways InfluxDB 2.x reports them (reference §3.1): an HTTP
/// error before any result, and an error table after results have started.
@Suite struct FluxQueryErrorTests {
    @Test func httpErrorBeforeResultsCarriesTheServerMessage() throws {
        let replay = try ReplayServer { _ in
            HTTPResponse(
                status: .badRequest, contentType: "application/json",
                body: #"{"code":"invalid","message":"compilation failed: error at @1:1-1:4: undefined identifier bad"}"#
            )
        }
        defer { replay.stop() }
        let client = InfluxDBClient(configuration: InfluxConfiguration(url: replay.url, org: "o", api: .v2))
        #expect(
            throws: InfluxError.server(
                status: 400, message: "compilation failed: error at @1:1-1:4: undefined identifier bad", retryAfter: nil
            )
        ) { try client.flux("bad") { _ in } }
    }

    @Test func errorTableAfterResultsIsAQueryFailure() throws {
        let csv =
            "#datatype,string,long,double\r\n#group,false,false,false\r\n#default,_result,,\r\n,result,table,_value\r\n"
            + ",,0,1\r\n\r\n#datatype,string,string\r\n#group,true,true\r\n#default,,\r\n,error,reference\r\n"
            + ",\"runtime error @4:8-4:40: aggregateWindow: schema collision\",\r\n\r\n"
        let replay = try ReplayServer { _ in
            HTTPResponse(status: .ok, contentType: "text/csv; charset=utf-8", body: csv)
        }
        defer { replay.stop() }
        let client = InfluxDBClient(configuration: InfluxConfiguration(url: replay.url, org: "o", api: .v2))
        var records = 0
        #expect(throws: InfluxError.queryFailed("runtime error @4:8-4:40: aggregateWindow: schema collision")) {
            try client.flux("from(bucket: \"b\")") { if case .record = $0 { records += 1 } }
        }
        #expect(records == 1)
    }
}
