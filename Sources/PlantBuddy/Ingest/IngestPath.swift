import HTTPServer
import Observability
import WriteAheadLog

/// What both write endpoints share, whatever protocol the lines came in: who is writing, buffering
/// the encoded lines durably, and counting, logging and answering the outcome the same way. A class:
/// every request's completion captures it, and a struct of ten references was ten retains a request.
final class IngestPath: Sendable {
    let users: UserStore
    let log: WriteAheadLog
    /// Sees every acknowledged reading before InfluxDB does (it judges them on 1.x).
    let alerts: GatewayAlerts
    let logger: Logger
    let metrics: Metrics
    /// A flood of refusals (a full disk, a scanner trying tokens) is a line, then a count.
    let refusedTokens: RepeatedFailure
    let bufferFailures: RepeatedFailure
    /// A device sending malformed lines on every request is one line, then a count.
    let badLines: RepeatedFailure
    /// Counted on every write: resolved once.
    private let linesAccepted: Metrics.Series

    init(
        users: UserStore, log: WriteAheadLog, alerts: GatewayAlerts, logger: Logger, metrics: Metrics,
        repeatInterval: Duration
    ) {
        self.users = users
        self.log = log
        self.alerts = alerts
        self.logger = logger
        self.metrics = metrics
        linesAccepted = metrics.series("plantbuddy_lines_accepted_total")
        refusedTokens = RepeatedFailure(
            logger: logger, level: .warning, message: "write refused: missing or unknown token",
            interval: repeatInterval)
        bufferFailures = RepeatedFailure(
            logger: logger, level: .error, message: "cannot buffer readings", interval: repeatInterval)
        badLines = RepeatedFailure(
            logger: logger, level: .info, message: "write had bad lines", interval: repeatInterval)
    }

    /// When a device should try again after the buffer refused its lines.
    static let retryAfterSeconds = 5

    /// The user a token belongs to, as the connection remembers it (`RememberedToken`: the record
    /// and the series written for it); a missing or unknown token is counted and logged (never the
    /// token itself).
    func authenticate(
        presenting token: UnsafeBufferPointer<UInt8>?, route: String, peer: String, memo: ConnectionMemo
    ) -> RememberedToken? {
        if let token {
            let remembered = RememberedToken.recall(token, on: memo)
            let digest = remembered?.digest ?? TokenDigest(of: token)
            if let found = users.user(forDigest: digest, found: remembered?.found) {
                if let remembered, remembered.found === found { return remembered }
                let current = RememberedToken(token: Array(token), digest: digest, found: found)
                memo.remember(current)
                return current
            }
        }
        metrics.increment("plantbuddy_auth_failures_total", ["route": route])
        refusedTokens.record(["route": route, "peer": peer])
        return nil
    }

    /// The same for a token given as text (v1 also takes it from `?p=` or a Basic password).
    func authenticate(presenting token: String?, route: String, peer: String, memo: ConnectionMemo) -> RememberedToken?
    {
        guard var token else {
            return authenticate(presenting: UnsafeBufferPointer?.none, route: route, peer: peer, memo: memo)
        }
        return token.withUTF8 { authenticate(presenting: $0, route: route, peer: peer, memo: memo) }
    }

    /// Whether the write endpoints should collect `Reading`s for the alerts.
    var wantsReadings: Bool { alerts.isActive }

    /// What became of lines appended to the log without waiting (`log.append`, its completion
    /// calls this): nil once they are durable, and `readings`, their sensor values, have gone to the
    /// alerts as `judged`'s; or the refusal to answer with (nothing of them was kept). The caller
    /// appends with one closure of its own, not one wrapped in another: a closure is an allocation.
    func settle(
        _ result: Result<Void, WriteAheadLogError>, lines: Int, readings: [Reading], judged: UserRecord?, user: String
    ) -> BufferRefusal? {
        switch result {
        case .success:
            bufferFailures.cleared()
            if let judged { alerts.observe(readings, of: judged) }
            return nil
        case .failure(let error): return refusal(error, user: user, lines: lines)
        }
    }

    /// Buffers encoded lines and waits until they are durable (for handlers on the worker pool).
    func bufferAndWait(_ lineProtocol: [UInt8], lines: Int, readings: [Reading], user: UserRecord) -> BufferRefusal? {
        do {
            try log.append(lineProtocol, lineCount: lines)
            bufferFailures.cleared()
            alerts.observe(readings, of: user)
            return nil
        } catch {
            return refusal(error, user: user.name, lines: lines)
        }
    }

    /// Counts a write's kept and refused lines, and logs the first refusal's reason.
    func record(accepted: Int, rejected: Int, firstError: String?, user: String) {
        metrics.increment(linesAccepted, by: Double(accepted))
        guard rejected > 0 else { return }
        metrics.increment("plantbuddy_lines_rejected_total", by: Double(rejected))
        badLines.record([
            "user": user, "accepted": String(accepted), "rejected": String(rejected), "first_error": firstError ?? "",
        ])
    }

    private func refusal(_ error: WriteAheadLogError, user: String, lines: Int) -> BufferRefusal {
        let kind: String
        switch error {
        case .full: kind = "full"
        case .io: kind = "io"
        case .closed: kind = "closed"
        }
        metrics.increment("plantbuddy_buffer_refusals_total", ["reason": kind])
        bufferFailures.record(["user": user, "lines": String(lines), "error": error.description])
        return BufferRefusal(message: "\(error); nothing was stored, retry later")
    }
}

/// The buffer could not keep a write's lines: the client must retry, and `Retry-After` says when.
struct BufferRefusal: Sendable {
    let message: String

    /// The 503 in the shape of the endpoint's API (`body` makes its error document).
    func response(_ body: (HTTPStatus, String) -> HTTPResponse) -> HTTPResponse {
        var response = body(.serviceUnavailable, message)
        response.headers.add("Retry-After", String(IngestPath.retryAfterSeconds))
        return response
    }
}
