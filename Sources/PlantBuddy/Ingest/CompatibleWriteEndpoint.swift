import Foundation
import HTTPServer
import InfluxClient
import Observability
import WriteAheadLog

/// `POST /api/v2/write` and `POST /write?db=…` (v1): ordinary line protocol from Telegraf or any
/// InfluxDB client library, authenticated with a device token, through the same durable path as
/// device lines. Every line is parsed and re-encoded; the `user` tag is always the authenticated
/// user's: a line without it gets it, a line naming another user is rejected.
struct CompatibleWriteEndpoint: Sendable {
    enum Flavor: Sendable { case v1, v2 }

    let ingest: IngestPath
    let clock: ReadingClock

    func respond(to request: HTTPRequest, flavor: Flavor) -> HTTPResponse {
        guard
            let user = ingest.authenticate(
                presenting: Self.token(request, flavor: flavor), route: flavor == .v2 ? "/api/v2/write" : "/write",
                peer: request.remoteAddress, memo: request.connectionMemo)?.user
        else {
            return error(.unauthorized, code: "unauthorized", "unauthorized access", flavor: flavor)
        }
        guard let multiplier = Self.nanosecondsPerUnit(request.query("precision") ?? "ns", flavor: flavor) else {
            return error(
                .badRequest, code: "invalid", "invalid precision; valid precision units are ns, us, ms, and s",
                flavor: flavor)
        }
        let parsed = LineProtocolParser.parse(request.body)
        var failures = parsed.failures.map { $0.message }
        let stamped = parsed.points.filter { $0.point.timestamp == nil }.count
        var receiveTime = clock.reserve(stamped)
        var body: [UInt8] = []
        var accepted = 0
        var readings: [Reading] = []
        for (_, original) in parsed.points {
            var point = original
            if let claimed = point.tags["user"], claimed != user.name {
                failures.append(
                    "unable to write '\(point.measurement)': tag user=\(claimed) is not the authenticated user")
                continue
            }
            point.tags["user"] = user.name
            if let time = point.timestamp {
                let (scaled, overflow) = time.multipliedReportingOverflow(by: multiplier)
                guard !overflow else {
                    failures.append("unable to write '\(point.measurement)': time outside range")
                    continue
                }
                point.timestamp = scaled
            } else {
                point.timestamp = receiveTime
                receiveTime += 1
            }
            do {
                try LineProtocol.encode(point, into: &body)
                accepted += 1
                if let reading = Self.reading(point, receivedAt: receiveTime) { readings.append(reading) }
            } catch {
                failures.append("unable to write '\(point.measurement)': \(error.description)")
            }
        }
        if accepted > 0,
            let refusal = ingest.bufferAndWait(
                body, lines: accepted, readings: ingest.wantsReadings ? readings : [], user: user)
        {
            return refusal.response { status, message in
                error(status, code: "unavailable", message, flavor: flavor)
            }.loggingUser(user.name)
        }
        ingest.record(accepted: accepted, rejected: failures.count, firstError: failures.first, user: user.name)
        guard !failures.isEmpty else { return HTTPResponse(status: .noContent).loggingUser(user.name) }
        // As InfluxDB 1.x answers a partial write: the good lines are stored, the errors listed.
        let message = "partial write: " + failures.prefix(100).joined(separator: "\n") + " dropped=\(failures.count)"
        return error(.badRequest, code: "invalid", message, flavor: flavor).loggingUser(user.name)
    }

    /// A point shaped like a device reading (a `device_id` tag and a numeric `reading` field), as
    /// the alerts judge it; other points are not readings, and neither is history (a point more
    /// than an hour older than the write, such as `plantbuddy simulate --backfill`).
    static func reading(_ point: Point, receivedAt now: Int64) -> Reading? {
        guard let deviceID = point.tags["device_id"], let time = point.timestamp, now - time < 3_600_000_000_000,
            let field = point.fields["reading"]
        else { return nil }
        let value: Double
        switch field {
        case .integer(let number): value = Double(number)
        case .unsigned(let number): value = Double(number)
        case .float(let number): value = number
        case .string, .boolean: return nil
        }
        return Reading(deviceID: deviceID, sensor: point.measurement, value: value, time: time)
    }

    /// v2: `Authorization: Token|Bearer`; v1 also `?p=` or HTTP Basic with the token as the password.
    static func token(_ request: HTTPRequest, flavor: Flavor) -> String? {
        if let token = DeviceToken.from(request.headers) { return token }
        guard flavor == .v1 else { return nil }
        if let password = request.query("p"), !password.isEmpty { return password }
        guard let value = request.headers["Authorization"], value.lowercased().hasPrefix("basic "),
            let decoded = Data(base64Encoded: String(value.dropFirst(6)).trimmingCharacters(in: " ")),
            let credentials = String(data: decoded, encoding: .utf8), let colon = credentials.firstIndex(of: ":")
        else { return nil }
        return String(credentials[credentials.index(after: colon)...])
    }

    static func nanosecondsPerUnit(_ precision: String, flavor: Flavor) -> Int64? {
        switch (precision, flavor) {
        case ("ns", _), ("n", .v1): 1
        case ("us", _), ("u", .v1): 1_000
        case ("ms", _): 1_000_000
        case ("s", _): 1_000_000_000
        case ("m", .v1): 60_000_000_000
        case ("h", .v1): 3_600_000_000_000
        default: nil
        }
    }

    /// The error shape each API's clients expect: v2 `{"code","message"}`, v1 `{"error"}`.
    private func error(_ status: HTTPStatus, code: String, _ message: String, flavor: Flavor) -> HTTPResponse {
        let body =
            flavor == .v2
            ? #"{"code":\#(JSON.string(code)),"message":\#(JSON.string(message))}"#
            : #"{"error":\#(JSON.string(message))}"#
        var response = HTTPResponse(status: status, contentType: "application/json", body: body)
        if flavor == .v1 {
            response.headers.add(
                "X-Influxdb-Error", String(message.prefix(200)).replacingOccurrences(of: "\n", with: " "))
        }
        return response
    }
}
