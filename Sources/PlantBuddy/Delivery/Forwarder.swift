internal import CSystemLinux
import Foundation
import InfluxClient
import Observability
import WriteAheadLog

/// Drains the write-ahead log into InfluxDB: one request at a time, in large batches, retrying
/// transient failures forever, isolating lines InfluxDB refuses, and confirming records (so the log
/// may delete them) only once every line in them was written or dead-lettered.
final class Forwarder: @unchecked Sendable {
    private let log: WriteAheadLog
    private let influx: InfluxDBClient
    private let policy: DeliveryPolicy
    private let deadLetters: DeadLetterFile
    private let logger: Logger
    private let metrics: Metrics

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var draining = false
    private var drainDeadline = Date.distantFuture
    private let finished = DispatchSemaphore(value: 0)

    init(
        log: WriteAheadLog, influx: InfluxDBClient, policy: DeliveryPolicy, deadLetters: DeadLetterFile, logger: Logger,
        metrics: Metrics
    ) {
        self.log = log
        self.influx = influx
        self.policy = policy
        self.deadLetters = deadLetters
        self.logger = logger
        self.metrics = metrics
    }

    func start() {
        let thread = Thread { [self] in
            // Batches are throughput work: on a busy CPU the I/O threads answering devices go first.
            _ = make_current_thread_background(10)
            run()
            finished.signal()
        }
        thread.name = "influx-forwarder"
        thread.start()
    }

    /// Delivers what it can within the grace period, then returns; the rest stays in the log.
    func stop() {
        condition.lock()
        draining = true
        drainDeadline = Date().addingTimeInterval(policy.shutdownGrace.seconds)
        condition.broadcast()
        condition.unlock()
        finished.wait()
    }

    private var isDraining: Bool {
        condition.lock()
        defer { condition.unlock() }
        return draining
    }

    private func run() {
        var cursor = log.confirmedPosition
        while true {
            let batch: [LogRecord]
            do {
                batch = try nextBatch(from: cursor)
            } catch {
                metrics.increment("plantbuddy_buffer_read_errors_total")
                logger.error("cannot read the write-ahead log", ["error": error.description])
                guard pause(for: policy.retryMax) else { return }
                continue
            }
            guard let last = batch.last else {
                if isDraining { return }
                continue
            }
            guard deliver(batch) else { return }  // stopped mid-retry: the batch stays in the log
            log.confirm(batch)
            cursor = last.end
        }
    }

    /// Up to `batchLines`/`batchBytes`, waiting no longer than the flush interval after the oldest record.
    private func nextBatch(from cursor: LogPosition) throws(WriteAheadLogError) -> [LogRecord] {
        let poll = isDraining ? Date() : Date().addingTimeInterval(0.25)
        var batch = try log.read(from: cursor, maxBytes: policy.batchBytes, maxLines: policy.batchLines, until: poll)
        guard let first = batch.first else { return [] }
        if !isDraining {
            let flushAt = Date(timeIntervalSince1970: Double(first.appendedAt) / 1000 + policy.flushInterval.seconds)
            log.waitForBuffered(lines: policy.batchLines, bytes: policy.batchBytes, until: flushAt)
        }
        var lines = batch.reduce(0) { $0 + $1.lineCount }
        var bytes = batch.reduce(0) { $0 + $1.payload.count }
        while lines < policy.batchLines && bytes < policy.batchBytes, let last = batch.last {
            let more = try log.read(
                from: last.end, maxBytes: policy.batchBytes - bytes, maxLines: policy.batchLines - lines, until: Date())
            if more.isEmpty { break }
            batch += more
            lines += more.reduce(0) { $0 + $1.lineCount }
            bytes += more.reduce(0) { $0 + $1.payload.count }
        }
        return batch
    }

    /// Writes every line of the batch or dead-letters it. False if shutdown interrupted the retries.
    private func deliver(_ batch: [LogRecord]) -> Bool {
        // Records hold whole lines, so the batch goes out as their bytes end to end; it is cut into
        // lines only if InfluxDB refuses part of it.
        var whole: [UInt8] = []
        whole.reserveCapacity(batch.reduce(0) { $0 + $1.payload.count })
        for record in batch { whole += record.payload }
        var lines: [ArraySlice<UInt8>]?
        var pending = [0..<batch.reduce(0) { $0 + $1.lineCount }]
        var attempt = 0
        while let range = pending.last {
            var body = whole
            if let lines {
                body = []
                body.reserveCapacity(range.count * 64)
                for line in lines[range] {
                    body += line
                    body.append(UInt8(ascii: "\n"))
                }
            }
            do {
                let sent = try influx.write(body)
                pending.removeLast()
                metrics.increment("plantbuddy_batches_sent_total")
                metrics.increment("plantbuddy_influx_write_bytes_total", by: Double(sent))
                metrics.increment("plantbuddy_points_written_total", by: Double(range.count))
                if attempt > 0 { logger.info("InfluxDB writes recovered", ["attempts": String(attempt + 1)]) }
                attempt = 0
            } catch {
                metrics.set("plantbuddy_influx_last_error_timestamp_seconds", to: Date().timeIntervalSince1970)
                metrics.replace(
                    "plantbuddy_influx_last_error_info", ["error": String(error.description.prefix(200))], with: 1)
                let remedy = Self.remedy(for: error)
                if case .split = remedy, lines == nil {
                    let split = whole.split(separator: UInt8(ascii: "\n"))
                    lines = split
                    pending = [0..<split.count]
                }
                switch remedy {
                case .split where pending.last!.count == 1:
                    if deadLetter(lines![pending.last!.lowerBound], error) {
                        pending.removeLast()
                    } else {
                        guard pause(for: policy.retryMax) else { return false }
                    }
                case .split:
                    let current = pending.removeLast()
                    let middle = current.lowerBound + current.count / 2
                    pending += [middle..<current.upperBound, current.lowerBound..<middle]
                case .retry(let retryAfter, let operatorMustAct):
                    attempt += 1
                    let delay = backoff(attempt: attempt, retryAfter: retryAfter, slowly: operatorMustAct)
                    metrics.increment("plantbuddy_batches_retried_total")
                    metrics.increment(
                        "plantbuddy_influx_write_errors_total",
                        ["kind": operatorMustAct ? "configuration" : "transient"])
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
                    guard pause(for: delay) else { return false }
                }
            }
        }
        return true
    }

    private enum Remedy {
        case retry(after: Duration?, operatorMustAct: Bool)
        /// The data itself is refused: halve the batch until the bad lines stand alone.
        case split
    }

    private static func remedy(for error: InfluxError) -> Remedy {
        switch error {
        case .unreachable, .invalidResponse, .queryFailed: .retry(after: nil, operatorMustAct: false)
        case .server(let status, _, let retryAfter):
            switch status {
            case 401, 403, 404: .retry(after: nil, operatorMustAct: true)
            case 429, 500...599: .retry(after: retryAfter.map { .seconds($0) }, operatorMustAct: false)
            case 400...499: .split
            default: .retry(after: nil, operatorMustAct: false)
            }
        }
    }

    /// Exponential backoff with jitter (a random point in the upper half), never less than Retry-After.
    private func backoff(attempt: Int, retryAfter: Duration?, slowly: Bool) -> Duration {
        let cap = policy.retryMax.seconds
        let base = slowly ? cap : min(cap, policy.retryInitial.seconds * pow(2, Double(min(attempt - 1, 30))))
        let jittered = Double.random(in: base / 2...base)
        let delay = max(jittered, min(retryAfter?.seconds ?? 0, 600))
        return .milliseconds(Int64(delay * 1000))
    }

    /// False if the dead-letter file could not be written: the line then stays in the log.
    private func deadLetter(_ line: ArraySlice<UInt8>, _ error: InfluxError) -> Bool {
        let text = String(decoding: line, as: UTF8.self)
        var status: Int?
        if case .server(let code, _, _) = error { status = code }
        do {
            try deadLetters.append(line: text, status: status, reason: error.description)
            metrics.increment("plantbuddy_lines_dead_lettered_total")
            logger.error(
                "InfluxDB refused a line; kept in the dead-letter file",
                ["file": deadLetters.path, "error": error.description])
            return true
        } catch {
            metrics.increment("plantbuddy_dead_letter_errors_total")
            logger.error(
                "cannot write the dead-letter file; the line stays buffered",
                ["file": deadLetters.path, "error": "\(error)"])
            return false
        }
    }

    /// Sleeps, but wakes early to give up once shutdown's grace period is over. False then.
    private func pause(for delay: Duration) -> Bool {
        let wakeAt = Date().addingTimeInterval(delay.seconds)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if draining && Date() >= drainDeadline { return false }
            let until = min(wakeAt, drainDeadline)
            if Date() >= wakeAt { return true }
            _ = condition.wait(until: until)
        }
    }
}
