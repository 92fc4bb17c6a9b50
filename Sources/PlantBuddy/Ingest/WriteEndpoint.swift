import Foundation
import HTTPServer
import InfluxClient
import Observability
import WriteAheadLog

/// `POST /write`: device lines in, InfluxDB points out, and an answer that never claims a line
/// was stored when it was not.
struct WriteEndpoint: Sendable {
    let ingest: IngestPath
    let parser: DeviceLineParser
    let clock: ReadingClock

    /// How many refused lines the 400 body lists (the total is always given).
    static let listedRejections = 100

    /// Never blocks: the answer is sent once the write-ahead log says the lines are durable.
    func respond(to request: HTTPRequest, reply: HTTPReply) {
        let presented = DeviceToken.withToken(in: request.headers) { token in
            ingest.authenticate(
                presenting: token, route: "/write", peer: request.remoteAddress, memo: request.connectionMemo)
        }
        guard let writer = presented else {
            var response = Self.json(
                .unauthorized, ErrorBody(code: "unauthorized", message: "missing or unknown device token"))
            response.headers.add("WWW-Authenticate", "Token")
            return reply.send(response)
        }
        let userName = writer.user.name
        let firstTimestamp = clock.reserve(parser.lineCount(in: request.body))
        var lineProtocol: [UInt8] = []
        lineProtocol.reserveCapacity(request.body.count * 8)
        var accepted = 0
        var rejected: [Rejection] = []
        let collectsReadings = ingest.wantsReadings
        var readings: [Reading] = []
        var offset = 0
        parser.forEachLine(in: request.body) { line in
            defer { offset += 1 }
            switch line {
            case .reading(let number, let deviceID, let measurement, let value):
                do throws(LineProtocolError) {
                    let series = try writer.series.prefix(device: deviceID, measurement: measurement) {
                        () throws(LineProtocolError) in
                        let tags: InlineArray<2, (key: String, value: String)> = [
                            ("device_id", deviceID), ("user", userName),
                        ]
                        return try LineProtocol.SeriesPrefix(
                            measurement: measurement, sortedTags: tags.span, field: "reading")
                    }
                    let time = firstTimestamp + Int64(offset)
                    try series.appendLine(.integer(value), timestamp: time, to: &lineProtocol)
                    accepted += 1
                    if collectsReadings {
                        readings.append(
                            Reading(deviceID: deviceID, sensor: measurement, value: Double(value), time: time))
                    }
                } catch {
                    rejected.append(Rejection(line: number, text: deviceID + measurement, error: error.description))
                }
            case .sensorFailure(let number, let deviceID, let measurement, let text):
                ingest.metrics.increment("plantbuddy_sensor_failures_total", ["sensor": measurement ?? "unknown"])
                ingest.logger.warning(
                    "device reported a failed sensor",
                    [
                        "user": userName, "device_id": deviceID ?? "unknown", "sensor": measurement ?? "unknown",
                        "line": String(number), "text": text,
                    ])
            case .rejected(let number, let text, let error):
                rejected.append(Rejection(line: number, text: text, error: error))
            }
        }
        guard accepted > 0 else {
            return reply.send(Self.answer(accepted: 0, rejected: rejected, user: userName, ingest: ingest))
        }
        // The closure captures only what it uses: `self` or the whole user record would be copied
        // into it, and the record rides along only with readings to judge.
        let judged = readings.isEmpty ? nil : writer.user
        ingest.log.append(lineProtocol, lineCount: accepted) { [ingest, accepted, rejected, readings] result in
            let refusal = ingest.settle(result, lines: accepted, readings: readings, judged: judged, user: userName)
            guard let refusal else {
                return reply.send(Self.answer(accepted: accepted, rejected: rejected, user: userName, ingest: ingest))
            }
            reply.send(
                refusal.response { status, message in
                    Self.json(status, ErrorBody(code: "unavailable", message: message))
                }.loggingUser(userName))
        }
    }

    /// The answer once the accepted lines are buffered: 204, or 400 listing the refused lines.
    private static func answer(
        accepted: Int, rejected: [Rejection], user: String, ingest: IngestPath
    ) -> HTTPResponse {
        ingest.record(
            accepted: accepted, rejected: rejected.count,
            firstError: rejected.first.map { "line \($0.line): \($0.error)" }, user: user)
        guard !rejected.isEmpty else { return HTTPResponse(status: .noContent).loggingUser(user) }
        let message =
            "\(rejected.count) of \(accepted + rejected.count) lines rejected; the other \(accepted) were stored"
        return Self.json(
            .badRequest,
            PartialWriteBody(
                code: "invalid", message: message, accepted: accepted, rejectedTotal: rejected.count,
                rejected: Array(rejected.prefix(Self.listedRejections)))
        ).loggingUser(user)
    }

    struct ErrorBody: Encodable {
        let code: String
        let message: String
    }

    struct Rejection: Encodable, Sendable {
        let line: Int
        let text: String
        let error: String
    }

    struct PartialWriteBody: Encodable {
        let code: String
        let message: String
        let accepted: Int
        let rejectedTotal: Int
        let rejected: [Rejection]

        enum CodingKeys: String, CodingKey {
            case code, message, accepted, rejected
            case rejectedTotal = "rejected_total"
        }
    }

    static func json(_ status: HTTPStatus, _ body: some Encodable) -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(body)) ?? Data("{}".utf8)
        return HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: Array(data))
    }
}
