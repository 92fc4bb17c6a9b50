import CurlClient
import Foundation
import HTTPServer
import Hashing
import InfluxClient
import Observability
import PlantBuddy
import TestSupport
import Testing
import WriteAheadLog

/// Every test gateway's clock starts here, so stored timestamps can be compared exactly.
let gatewayFirstStamp: Int64 = 1_700_000_000_000_000_000

/// A gateway running in-process on an ephemeral port, and a real libcurl client for it.
struct Gateway {
    let app: App
    let port: UInt16
    let http = CurlHTTPClient()

    func post(_ body: String, token: String?, path: String = "/write") throws -> HTTPClientResponse {
        let headers = token.map { [("Authorization", "Token \($0)")] } ?? []
        return try http.send(
            HTTPClientRequest(
                method: "POST", url: "http://127.0.0.1:\(port)\(path)", headers: headers, body: Array(body.utf8)))
    }

    func get(_ path: String) throws -> HTTPClientResponse {
        try http.send(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"))
    }

    /// Acknowledged readings reach InfluxDB in the background; wait until the buffer is empty.
    func waitUntilDelivered(timeout: TimeInterval = 30) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while app.buffer.status.bufferedLines > 0 {
            guard Date() < deadline else {
                throw TestError("\(app.buffer.status.bufferedLines) lines still buffered")
            }
            usleep(20_000)
        }
    }
}

/// Starts a gateway on an ephemeral port (its clock starting at `gatewayFirstStamp` unless given), runs `body`, stops it.
func withGateway(
    influxURL: String, database: String, clock: ReadingClock = ReadingClock(now: { gatewayFirstStamp }),
    configure: (inout Configuration) -> Void = { _ in }, _ body: (Gateway) throws -> Void
) throws {
    var configuration = Configuration()
    configuration.server.port = 0
    configuration.logLevel = .error
    configuration.dataDirectory = ScratchDirectory.path("e2e")
    configuration.influx = InfluxConfiguration(url: influxURL, bucket: database, api: .auto)
    configuration.delivery.flushInterval = .milliseconds(50)
    configuration.delivery.retryInitial = .milliseconds(100)
    configuration.delivery.retryMax = .milliseconds(500)
    configure(&configuration)
    let app = try App(configuration: configuration, clock: clock)
    let port = try app.start()
    defer {
        app.stop()
        app.waitUntilStopped()
    }
    try body(Gateway(app: app, port: port))
}

struct StoredPoint: Equatable, CustomStringConvertible {
    let measurement: String
    let deviceID: String
    let user: String
    let reading: Int64
    let time: Int64
    var description: String { "\(measurement),device_id=\(deviceID),user=\(user) reading=\(reading)i \(time)" }
}

func storedPoints(_ influxd: InfluxDServer, database: String, user: String? = nil) throws -> [StoredPoint] {
    let filter = user == nil ? "" : #" WHERE "user" = $user"#
    let rows = try influxd.rows(
        #"SELECT "device_id", "user", "reading" FROM /.*/"# + filter, database: database,
        parameters: user.map { ["user": $0] } ?? [:])
    return rows.map { measurement, columns in
        StoredPoint(
            measurement: measurement, deviceID: columns["device_id"] as? String ?? "?",
            user: columns["user"] as? String ?? "?", reading: (columns["reading"] as? NSNumber)?.int64Value ?? -1,
            time: (columns["time"] as? NSNumber)?.int64Value ?? -1)
    }.sorted { $0.time < $1.time }
}

/// Few PBKDF2 rounds, so tests stay fast; the format is the production one.
func testPasswordHash(_ password: String) -> String {
    "pbkdf2-sha256$1000$" + testSalt + "$"
        + Data(
            PBKDF2.sha256(
                password: Array(password.utf8), salt: Array(Data(base64Encoded: testSalt)!), iterations: 1000,
                length: 32)
        ).base64EncodedString()
}

private let testSalt = "c2FsdHNhbHRzYWx0c2FsdA=="

/// An app that is built but never listens: requests go straight to its routes (`ResponderProbe`),
/// so endpoint tests are exact and need no socket, no sleeps and no running InfluxDB.
struct ProbedApp {
    let app: App

    func answer(_ request: HTTPRequest) throws -> HTTPResponse {
        try ResponderProbe.answer(request, from: app.responder)
    }

    /// Signs in through the real form (its CSRF token and cookie) and returns the session cookie.
    func signIn(_ user: String, password: String) throws -> String {
        let form = try answer(.make(.get, "/login"))
        let loginCookie = try #require(form.header("Set-Cookie")?.split(separator: ";").first.map(String.init))
        let csrf = try #require(
            form.text.firstRange(of: #"name="csrf" value=""#).map { match in
                String(form.text[match.upperBound...].prefix { $0 != "\"" })
            })
        let body = "username=\(formEncoded(user))&password=\(formEncoded(password))&csrf=\(formEncoded(csrf))"
        let signedIn = try answer(
            .make(
                .post, "/login",
                headers: [("Cookie", loginCookie), ("Content-Type", "application/x-www-form-urlencoded")], body: body))
        guard signedIn.status == .seeOther, let cookie = signedIn.header("Set-Cookie") else {
            throw TestError("sign-in answered \(signedIn.status): \(signedIn.text)")
        }
        return String(cookie.split(separator: ";")[0])
    }
}

func formEncoded(_ text: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
}

/// Builds an app whose InfluxDB is `influxURL` (usually a `ReplayServer`), runs `body`, closes it.
func withProbedApp(
    influxURL: String, configure: (inout Configuration) -> Void = { _ in }, _ body: (ProbedApp) throws -> Void
) throws {
    var configuration = Configuration()
    configuration.logLevel = .error
    configuration.dataDirectory = ScratchDirectory.path("probe")
    configuration.influx = InfluxConfiguration(url: influxURL, bucket: "plants", api: .auto)
    configuration.passwordIterations = 1000
    configure(&configuration)
    let app = try App(configuration: configuration, clock: ReadingClock(now: { gatewayFirstStamp }))
    defer { app.waitUntilStopped() }
    try body(ProbedApp(app: app))
}
