internal import CSystemLinux
import Foundation
import InfluxClient
import Locking
import Observability
import WriteAheadLog

/// Drains the write-ahead log into InfluxDB: one request at a time, in large batches, retrying
/// transient failures forever, isolating lines InfluxDB refuses, and confirming records (so the log
/// may delete them) only once every line in them was written or dead-lettered.
final class Forwarder: Sendable {
    private let log: WriteAheadLog
    private let influx: InfluxDBClient
    private let policy: DeliveryPolicy
    private let deadLetters: DeadLetterFile
    private let logger: Logger
    private let metrics: Metrics

    private struct Shutdown {
        var draining = false
        var deadline = Date.distantFuture
    }

    private let shutdown = GuardedState(Shutdown())
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
            // Named from inside: Foundation on Linux applies a name only to the running thread, and
            // Linux keeps 15 bytes of it. `top -H`, `perf` and the tests find the thread by it.
            Thread.current.name = "forwarder"
            // Batches are throughput work: on a busy CPU the I/O threads answering devices go first.
            _ = make_current_thread_background(10)
            run()
            finished.signal()
        }
        thread.start()
    }

    /// Delivers what it can within the grace period, then returns; the rest stays in the log.
    func stop() {
        shutdown.withLock(wake: .all) { shutdown in
            shutdown.draining = true
            shutdown.deadline = Date().addingTimeInterval(policy.shutdownGrace.seconds)
        }
        finished.wait()
    }

    private var isDraining: Bool { shutdown.withLock { $0.draining } }

    private func run() {
        var cursor = log.confirmedPosition
        while true {
            let batch: RecordBatch
            do {
                batch = try nextBatch(from: cursor)
            } catch {
                metrics.increment("plantbuddy_buffer_read_errors_total")
                logger.error("cannot read the write-ahead log", ["error": error.description])
                guard pause(for: policy.retryMax) else { return }
                continue
            }
            guard !batch.isEmpty else {
                if isDraining { return }
                continue
            }
            let keepingUp = log.bufferedLines < batch.lineCount + policy.batchLines
            if keepingUp { giveWay() }
            guard deliver(batch) else { return }  // stopped mid-retry: the batch stays in the log
            if keepingUp { giveWay() }
            log.confirm(batch)
            if keepingUp { giveWay() }
            cursor = batch.end
        }
    }

    /// Offers the CPU to the threads answering requests between the stages of a batch (reading,
    /// sending, confirming: 60-250 µs of CPU each for 2,000 lines). On a busy CPU the kernel
    /// preempts a running thread only at its 4 ms ticks, so without this a request that arrives as
    /// a batch starts waits for all of it. Ten alternating pairs at 16 connections, fsync off: the
    /// gateway's p99 600 µs without, 455 µs with (medians; lower in every pair; bench/README.md).
    /// Only while the forwarder keeps up (less than one more batch waiting): each yield on a
    /// saturated CPU costs it a tick, and at ~100,000 lines/s the backlog then grew by 13,000-30,000
    /// lines a second without end.
    private func giveWay() { sched_yield() }

    /// Up to `batchLines`/`batchBytes`, waiting no longer than the flush interval after the oldest record.
    private func nextBatch(from cursor: LogPosition) throws(WriteAheadLogError) -> RecordBatch {
        let poll = isDraining ? Date() : Date().addingTimeInterval(0.25)
        var batch = try log.read(from: cursor, maxBytes: policy.batchBytes, maxLines: policy.batchLines, until: poll)
        guard let firstAppendedAt = batch.firstAppendedAt else { return batch }
        if !isDraining {
            let flushAt = Date(timeIntervalSince1970: Double(firstAppendedAt) / 1000 + policy.flushInterval.seconds)
            log.waitForBuffered(lines: policy.batchLines, bytes: policy.batchBytes, until: flushAt)
        }
        while batch.lineCount < policy.batchLines && batch.payloads.count < policy.batchBytes {
            let more = try log.read(
                from: batch.end, maxBytes: policy.batchBytes - batch.payloads.count,
                maxLines: policy.batchLines - batch.lineCount, until: Date())
            if more.isEmpty { break }
            batch.append(more)
        }
        return batch
    }

    /// Writes every line of the batch or dead-letters it. False if shutdown interrupted the retries.
    private func deliver(_ batch: RecordBatch) -> Bool {
        // Records hold whole lines, so the batch goes out as their payloads end to end; it is cut
        // into lines only if InfluxDB refuses part of it.
        let whole = batch.payloads
        var lines: [ArraySlice<UInt8>]?
        var bisector = BatchBisector(lineCount: batch.lineCount)
        var failures = 0
        while let range = bisector.next {
            do {
                let sent = try influx.write(lines.map { Self.join($0[range]) } ?? whole)
                bisector.settle()
                metrics.increment("plantbuddy_batches_sent_total")
                metrics.increment("plantbuddy_influx_write_bytes_total", by: Double(sent))
                metrics.increment("plantbuddy_points_written_total", by: Double(range.count))
                if failures > 0 { logger.info("InfluxDB writes recovered", ["attempts": String(failures + 1)]) }
                failures = 0
            } catch {
                metrics.set("plantbuddy_influx_last_error_timestamp_seconds", to: Date().timeIntervalSince1970)
                metrics.replace(
                    "plantbuddy_influx_last_error_info", ["error": String(error.description.prefix(200))], with: 1)
                switch error.writeRemedy {
                case .refuseLines:
                    if lines == nil {
                        lines = whole.split(separator: UInt8(ascii: "\n"))
                        bisector = BatchBisector(lineCount: lines!.count)
                    }
                    guard let single = bisector.refuse() else { continue }
                    let refusal = DeadLetterFile.Refusal(
                        line: lines![single], status: error.status, reason: error.description)
                    if deadLetter([refusal]) {
                        bisector.settle()
                    } else {
                        guard pause(for: policy.retryMax) else { return false }
                    }
                case .setAside(let refused):
                    // InfluxDB 3 kept the rest: only the lines it named are set aside, nothing is resent.
                    if lines == nil { lines = whole.split(separator: UInt8(ascii: "\n")) }
                    let sentLines = lines![range]
                    // Line numbers count from 1 within the request's body, which holds `range`.
                    let named = refused.filter { sentLines.indices.contains(range.lowerBound + $0.number - 1) }
                    let setAside = deadLetter(
                        named.map {
                            DeadLetterFile.Refusal(
                                line: sentLines[range.lowerBound + $0.number - 1], status: error.status,
                                reason: $0.message)
                        })
                    guard setAside else {
                        // Sent again once the file can be written: InfluxDB overwrites the same points.
                        guard pause(for: policy.retryMax) else { return false }
                        continue
                    }
                    bisector.settle()
                    metrics.increment("plantbuddy_batches_sent_total")
                    metrics.increment("plantbuddy_points_written_total", by: Double(range.count - named.count))
                case .retry(let retryAfter):
                    failures += 1
                    guard retry(range, error, attempt: failures, retryAfter: retryAfter, operatorMustAct: false) else {
                        return false
                    }
                case .fixConfiguration:
                    failures += 1
                    guard retry(range, error, attempt: failures, retryAfter: nil, operatorMustAct: true) else {
                        return false
                    }
                }
            }
        }
        return true
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

    /// Logs and counts the failure, then waits out the backoff. False if shutdown ended the wait.
    private func retry(
        _ range: Range<Int>, _ error: InfluxError, attempt: Int, retryAfter: Int?, operatorMustAct: Bool
    ) -> Bool {
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
        return pause(for: delay)
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

    /// Sleeps, but wakes early to give up once shutdown's grace period is over. False then.
    private func pause(for delay: Duration) -> Bool {
        let wakeAt = Date().addingTimeInterval(delay.seconds)
        return shutdown.waiting { shutdown in
            let now = Date()
            if shutdown.draining && now >= shutdown.deadline { return .finished(false) }
            if now >= wakeAt { return .finished(true) }
            return .until(min(wakeAt, shutdown.deadline))
        }
    }
}
