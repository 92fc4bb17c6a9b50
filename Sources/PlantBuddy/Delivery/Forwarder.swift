import CurlClient
import Foundation
import HTTPServer
import InfluxClient
import Observability
import WriteAheadLog

/// Drains the write-ahead log into InfluxDB: one request at a time, in large batches, retrying
/// transient failures forever, isolating lines InfluxDB refuses, and confirming records (so the log
/// may delete them) only once every line in them was written or dead-lettered.
///
/// It runs on the first I/O thread, as its `LoopCompanion`, in steps between the loop's rounds;
/// its requests go through libcurl's multi interface, whose sockets the loop watches. A step takes
/// what the log gained since the last one (at most a batch), so it keeps pace with the rounds
/// whatever their size, and collects the next batch while a request is in flight, so that an answer
/// and the next request share a step: a step per batch when far behind. With at most 64 lines a step
/// and one stage of a batch a step it forwarded 0.45x of what 256 connections sent (bench/README.md,
/// fifteenth session). On a thread of its own it took the CPU shared with that loop for whole batches
/// at a time, and every request in flight waited (eleventh and fourteenth sessions). Everything
/// here but `init` runs on that loop's thread.
final class Forwarder: LoopCompanion, @unchecked Sendable {
    private let log: WriteAheadLog
    private let influx: InfluxDBClient
    private let http: CurlMulti
    private let policy: DeliveryPolicy
    private let deadLetters: DeadLetterFile
    private let logger: Logger
    private let metrics: Metrics

    /// Records taken for the next batch so far.
    private var collected: RecordBatch
    /// When they must go even if fewer than a batch, as a `MonotonicClock` millisecond: the flush
    /// interval after the oldest one was appended. Set as the first is taken, not derived each step
    /// from the wall clock: the loop asks for it after nearly every round.
    private var flushAt: UInt64?
    /// The batch being delivered, once collected.
    private var delivery: Delivery?
    /// No request before this `MonotonicClock` millisecond (a retry's backoff).
    private var pausedUntil: UInt64 = 0
    /// Set by the first step after shutdown began: the grace period's end.
    private var stopBy: UInt64?

    var descriptor: Int32 { http.descriptor }

    init(
        log: WriteAheadLog, influx: InfluxDBClient, http: CurlMulti, policy: DeliveryPolicy,
        deadLetters: DeadLetterFile, logger: Logger, metrics: Metrics
    ) {
        self.log = log
        self.influx = influx
        self.http = http
        self.policy = policy
        self.deadLetters = deadLetters
        self.logger = logger
        self.metrics = metrics
        collected = RecordBatch(at: log.confirmedPosition)
    }

    func runStep(stopping: Bool) -> LoopCompanionNext {
        let now = MonotonicClock.milliseconds()
        if stopping && stopBy == nil { stopBy = now + UInt64(policy.shutdownGrace.seconds * 1000) }
        if let stopBy, now >= stopBy { return .finished }  // the rest stays in the log
        if http.isBusy { http.perform() }  // an answer is handled in its completion
        // A retry's backoff, or the log could not be read: nothing until it is over.
        if now >= pausedUntil {
            collect()
            if !http.isBusy { deliver(draining: stopping) }
        }
        if stopping && delivery == nil && collected.isEmpty && log.bufferedLines == 0 { return .finished }
        return next(now: now)
    }

    /// The latest the loop may wait before the next step: curl's deadline, the backoff's end, or
    /// (no request in flight) when the collected lines are due. With a request in flight its answer
    /// wakes the loop (curl's descriptor), and what is due goes then.
    private func next(now: UInt64) -> LoopCompanionNext {
        var soonest = http.deadline ?? .max
        if now < pausedUntil {
            soonest = min(soonest, pausedUntil)
        } else if !http.isBusy, let flushAt {
            soonest = min(soonest, flushAt)
        }
        return soonest == .max ? .whenever : .by(soonest)
    }

    /// The flush interval after a record appended at `firstAppendedAt` (wall-clock milliseconds, as
    /// the log keeps them), on the monotonic clock.
    private func flushDeadline(firstAppendedAt: Int64) -> UInt64 {
        let age = Int64(Date().timeIntervalSince1970 * 1000) - firstAppendedAt
        let left = Int64(policy.flushInterval.seconds * 1000) - age
        return MonotonicClock.milliseconds() + UInt64(max(0, left))
    }

    // MARK: Collecting a batch

    /// Takes every line the log holds beyond those collected, up to a batch (records from memory
    /// while they are recent, else from the files).
    private func collect() {
        let room = (lines: policy.batchLines - collected.lineCount, bytes: policy.batchBytes - collected.payloads.count)
        guard room.lines > 0 && room.bytes > 0 else { return }
        do {
            let more = try log.read(
                from: collected.end, maxBytes: room.bytes, maxLines: room.lines, until: .distantPast)
            if collected.isEmpty, let first = more.firstAppendedAt { flushAt = flushDeadline(firstAppendedAt: first) }
            collected.append(more)
        } catch {
            metrics.increment("plantbuddy_buffer_read_errors_total")
            logger.error("cannot read the write-ahead log", ["error": error.description])
            pause(for: policy.retryMax)
        }
    }

    // MARK: Delivering it

    /// With no request in flight: confirms a delivery once every line in it was written or set
    /// aside, makes the collected lines the next one once they are a batch or due (or the gateway
    /// stops), and sends what it needs next.
    private func deliver(draining: Bool) {
        if let current = delivery, current.bisector.next == nil {
            log.confirm(current.batch)
            delivery = nil
        }
        if delivery == nil {
            guard !collected.isEmpty else { return }
            let full = collected.lineCount >= policy.batchLines || collected.payloads.count >= policy.batchBytes
            let due = draining || flushAt.map { $0 <= MonotonicClock.milliseconds() } ?? false
            guard full || due else { return }
            delivery = Delivery(batch: collected)
            collected = RecordBatch(at: collected.end)
            flushAt = nil
        }
        sendNext()
    }

    /// Starts the request the delivery needs next: the API check, or its next range of lines.
    private func sendNext() {
        guard let current = delivery, let range = current.bisector.next else { return }
        guard let api = influx.knownAPI else { return send(influx.pingRequest) { self.answeredPing($0) } }
        let body = current.lines.map { Self.join($0[range]) } ?? current.batch.payloads
        let request = influx.writeRequest(body, api: api)
        send(request) { self.answeredWrite($0, sent: request.body.count) }
    }

    private func send(
        _ request: HTTPClientRequest, then answered: @escaping (Result<HTTPClientResponse, CurlError>) -> Void
    ) {
        do {
            try http.start(request, completion: answered)
            http.perform()  // on its way in this step (curl connects and sends once performed)
        } catch {
            failed(InfluxError(noAnswer: error))
        }
    }

    private func answeredPing(_ result: Result<HTTPClientResponse, CurlError>) {
        do throws(InfluxError) {
            try influx.detectAPI(fromPing: result.mapError(InfluxError.init(noAnswer:)).get())
        } catch {
            failed(error)
        }
    }

    private func answeredWrite(_ result: Result<HTTPClientResponse, CurlError>, sent: Int) {
        // The range sent is still the bisector's next: only the answer moves it.
        guard var current = delivery, let range = current.bisector.next else { return }
        defer { delivery = current }
        do throws(InfluxError) {
            try InfluxDBClient.checkWrite(result.mapError(InfluxError.init(noAnswer:)).get())
            current.bisector.settle()
            metrics.increment("plantbuddy_batches_sent_total")
            metrics.increment("plantbuddy_influx_write_bytes_total", by: Double(sent))
            metrics.increment("plantbuddy_points_written_total", by: Double(range.count))
            if current.failures > 0 {
                logger.info("InfluxDB writes recovered", ["attempts": String(current.failures + 1)])
            }
            current.failures = 0
        } catch {
            metrics.set("plantbuddy_influx_last_error_timestamp_seconds", to: Date().timeIntervalSince1970)
            metrics.replace(
                "plantbuddy_influx_last_error_info", ["error": String(error.description.prefix(200))], with: 1)
            handleRefusal(error, of: range, in: &current)
        }
    }

    /// What a failed write of `range` leads to: halves to try, lines set aside, or a retry later.
    private func handleRefusal(_ error: InfluxError, of range: Range<Int>, in current: inout Delivery) {
        switch error.writeRemedy {
        case .refuseLines:
            let lines = current.splitLines()
            guard let single = current.bisector.refuse() else { return }  // its halves go next
            let refusal = DeadLetterFile.Refusal(line: lines[single], status: error.status, reason: error.description)
            if deadLetter([refusal]) {
                current.bisector.settle()
            } else {
                pause(for: policy.retryMax)
            }
        case .setAside(let refused):
            // InfluxDB 3 kept the rest: only the lines it named are set aside, nothing is resent.
            let sentLines = current.splitLines()[range]
            // Line numbers count from 1 within the request's body, which holds `range`.
            let named = refused.filter { sentLines.indices.contains(range.lowerBound + $0.number - 1) }
            let setAside = deadLetter(
                named.map {
                    DeadLetterFile.Refusal(
                        line: sentLines[range.lowerBound + $0.number - 1], status: error.status, reason: $0.message)
                })
            // Not set aside: sent again once the file can be written (InfluxDB overwrites the same points).
            guard setAside else { return pause(for: policy.retryMax) }
            current.bisector.settle()
            metrics.increment("plantbuddy_batches_sent_total")
            metrics.increment("plantbuddy_points_written_total", by: Double(range.count - named.count))
        case .retry(let retryAfter):
            current.failures += 1
            retry(range, error, attempt: current.failures, retryAfter: retryAfter, operatorMustAct: false)
        case .fixConfiguration:
            current.failures += 1
            retry(range, error, attempt: current.failures, retryAfter: nil, operatorMustAct: true)
        }
    }

    /// A request that failed before InfluxDB could answer for the lines (the ping, or one curl could
    /// not start): the batch's next range is tried again later.
    private func failed(_ error: InfluxError) {
        guard var current = delivery else { return }
        current.failures += 1
        delivery = current
        let operatorMustAct = if case .fixConfiguration = error.writeRemedy { true } else { false }
        retry(
            current.bisector.next ?? 0..<0, error, attempt: current.failures, retryAfter: nil,
            operatorMustAct: operatorMustAct)
    }

    private static func join(_ lines: ArraySlice<ArraySlice<UInt8>>) -> [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(lines.count * 64)
        for line in lines {
            body += line
            body.append(UInt8(ascii: "\n"))
        }
        return body
    }

    /// Logs and counts the failure, then waits out the backoff.
    private func retry(_ range: Range<Int>, _ error: InfluxError, attempt: Int, retryAfter: Int?, operatorMustAct: Bool)
    {
        let delay = backoff(attempt: attempt, retryAfter: retryAfter, slowly: operatorMustAct)
        metrics.increment("plantbuddy_batches_retried_total")
        metrics.increment(
            "plantbuddy_influx_write_errors_total", ["kind": operatorMustAct ? "configuration" : "transient"])
        let fields: KeyValuePairs<String, String> = [
            "lines": String(range.count), "attempt": String(attempt),
            "retry_in": String(format: "%.1fs", delay.seconds), "error": error.description,
        ]
        if operatorMustAct {
            logger.error(
                "InfluxDB refused the gateway (check INFLUX_TOKEN, INFLUX_ORG, INFLUX_BUCKET/INFLUX_DB); data is kept",
                fields)
        } else {
            logger.warning("InfluxDB write failed; data is kept and will be retried", fields)
        }
        pause(for: delay)
    }

    private func pause(for delay: Duration) {
        pausedUntil = MonotonicClock.milliseconds() + UInt64(delay.seconds * 1000)
    }

    /// Exponential backoff with jitter (a random point in the upper half), never less than Retry-After.
    private func backoff(attempt: Int, retryAfter: Int?, slowly: Bool) -> Duration {
        let cap = policy.retryMax.seconds
        let base = slowly ? cap : min(cap, policy.retryInitial.seconds * pow(2, Double(min(attempt - 1, 30))))
        let jittered = Double.random(in: base / 2...base)
        let delay = max(jittered, Double(min(retryAfter ?? 0, 600)))
        return .milliseconds(Int64(delay * 1000))
    }

    /// False if the dead-letter file could not be written: the lines then stay in the log.
    private func deadLetter(_ refusals: [DeadLetterFile.Refusal]) -> Bool {
        do {
            try deadLetters.append(refusals)
        } catch {
            metrics.increment("plantbuddy_dead_letter_errors_total")
            logger.error(
                "cannot write the dead-letter file; the lines stay buffered",
                ["file": deadLetters.path, "lines": String(refusals.count), "error": "\(error)"])
            return false
        }
        metrics.increment("plantbuddy_lines_dead_lettered_total", by: Double(refusals.count))
        // One line for the lot: the file holds each line's own reason.
        logger.error(
            "InfluxDB refused lines; kept in the dead-letter file",
            ["file": deadLetters.path, "lines": String(refusals.count), "error": refusals.first?.reason ?? ""])
        return true
    }
}

/// A batch on its way: which of its lines are left to send, and how often the latest attempt failed.
private struct Delivery {
    let batch: RecordBatch
    /// The batch cut into lines, once InfluxDB refused part of it (records hold whole lines, so it
    /// goes out as their payloads end to end until then).
    private(set) var lines: [ArraySlice<UInt8>]?
    var bisector: BatchBisector
    var failures = 0

    init(batch: RecordBatch) {
        self.batch = batch
        bisector = BatchBisector(lineCount: batch.lineCount)
    }

    /// The lines, cut now if they were not; a bisector made for the batch's line count until then
    /// is made again for the lines found.
    mutating func splitLines() -> [ArraySlice<UInt8>] {
        if let lines { return lines }
        let split = batch.payloads.split(separator: UInt8(ascii: "\n"))
        if split.count != batch.lineCount { bisector = BatchBisector(lineCount: split.count) }
        lines = split
        return split
    }
}
