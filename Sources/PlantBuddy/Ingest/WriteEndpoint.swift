import Foundation
import HTTPServer
import InfluxClient
import Observability
import WriteAheadLog

/// `POST /write`: device lines in, InfluxDB points out, and an answer that never claims a line
/// was stored when it was not.
struct WriteEndpoint: Sendable {
    let users: UserStore
    let parser: DeviceLineParser
    let clock: ReadingClock
    let log: WriteAheadLog
    let logger: Logger
    let metrics: Metrics

    /// How many refused lines the 400 body lists (the total is always given).
    static let listedRejections = 100

    /// Never blocks: the answer is sent once the write-ahead log says the lines are durable.
    func respond(to request: HTTPRequest, reply: HTTPReply) {
        guard let token = DeviceToken.from(request.headers), let user = users.user(forToken: token) else {
            metrics.increment("plantbuddy_auth_failures_total", ["route": "/write"])
            logger.warning("write refused: missing or unknown device token", ["peer": request.remoteAddress])
            var response = Self.json(
                .unauthorized, ErrorBody(code: "unauthorized", message: "missing or unknown device token"))
            response.headers.add("WWW-Authenticate", "Token")
            return reply.send(response)
        }
        let lines = parser.parse(request.body)
        let firstTimestamp = clock.reserve(lines.count)
        var lineProtocol: [UInt8] = []
        lineProtocol.reserveCapacity(request.body.count * 8)
        var accepted = 0
        var rejected: [Rejection] = []
        // Filled in per line: one pair of arrays per request rather than per reading.
        var tags: [(key: String, value: String)] = [("device_id", ""), ("user", user.name)]
        var fields: [(key: String, value: FieldValue)] = [("reading", .integer(0))]
        for (offset, line) in lines.enumerated() {
            switch line {
            case .reading(let number, let deviceID, let measurement, let value):
                tags[0].value = deviceID
                fields[0].value = .integer(value)
                do {
                    try LineProtocol.encode(
                        measurement: measurement, sortedTags: tags, sortedFields: fields,
                        timestamp: firstTimestamp + Int64(offset), into: &lineProtocol)
                    accepted += 1
                } catch {
                    rejected.append(Rejection(line: number, text: deviceID + measurement, error: error.description))
                }
            case .sensorFailure(let number, let deviceID, let measurement, let text):
                metrics.increment("plantbuddy_sensor_failures_total", ["sensor": measurement ?? "unknown"])
                logger.warning(
                    "device reported a failed sensor",
                    [
                        "user": user.name, "device_id": deviceID ?? "unknown", "sensor": measurement ?? "unknown",
                        "line": String(number), "text": text,
                    ])
            case .rejected(let number, let text, let error):
                rejected.append(Rejection(line: number, text: text, error: error))
            }
        }
        guard accepted > 0 else {
            return reply.send(answer(accepted: 0, rejected: rejected, user: user.name))
        }
        log.append(lineProtocol, lineCount: accepted) { [self, accepted, rejected] result in
            switch result {
            case .success: reply.send(answer(accepted: accepted, rejected: rejected, user: user.name))
            case .failure(let error):
                reply.send(bufferFailure(error, user: user.name, lines: accepted).loggingUser(user.name))
            }
        }
    }

    /// The answer once the accepted lines are buffered: 204, or 400 listing the refused lines.
    private func answer(accepted: Int, rejected: [Rejection], user: String) -> HTTPResponse {
        metrics.increment("plantbuddy_lines_accepted_total", by: Double(accepted))
        guard !rejected.isEmpty else { return HTTPResponse(status: .noContent).loggingUser(user) }
        metrics.increment("plantbuddy_lines_rejected_total", by: Double(rejected.count))
        logger.info(
            "write had bad lines",
            [
                "user": user, "accepted": String(accepted), "rejected": String(rejected.count),
                "first_error": "line \(rejected[0].line): \(rejected[0].error)",
            ])
        let message =
            "\(rejected.count) of \(accepted + rejected.count) lines rejected; the other \(accepted) were stored"
        return Self.json(
            .badRequest,
            PartialWriteBody(
                code: "invalid", message: message, accepted: accepted, rejectedTotal: rejected.count,
                rejected: Array(rejected.prefix(Self.listedRejections)))
        ).loggingUser(user)
    }

    /// Nothing was kept: the device must retry, and `Retry-After` says when.
    private func bufferFailure(_ error: WriteAheadLogError, user: String, lines: Int) -> HTTPResponse {
        let kind: String
        switch error {
        case .full: kind = "full"
        case .io: kind = "io"
        case .closed: kind = "closed"
        }
        metrics.increment("plantbuddy_buffer_refusals_total", ["reason": kind])
        logger.error("cannot buffer readings", ["user": user, "lines": String(lines), "error": error.description])
        var response = Self.json(
            .serviceUnavailable, ErrorBody(code: "unavailable", message: "\(error); nothing was stored, retry later"))
        response.headers.add("Retry-After", "5")
        return response
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
