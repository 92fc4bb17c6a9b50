import CurlClient
import Glibc
import HTTPServer
import InfluxClient
import Observability
import TestSupport
import Testing
import WriteAheadLog

@testable import PlantBuddy

/// The forwarder as the event loop drives it: a step after each round, or when curl's descriptor is
/// readable, or by the deadline the step asked for. Against a loopback server answering as
/// InfluxDB 2.x does to a write (204, no body).
@Suite struct ForwarderTests {
    /// A backlog (lines kept through an outage, or what a round of 256 connections brings) drains
    /// in about a step a batch: a step takes every line the log holds, up to a batch, and the step
    /// that sees a write answered starts the next batch's. With 64 lines and one stage of a batch a
    /// step it needed 141 steps for these ten batches, and at 256 connections the forwarder fell
    /// behind the lines acknowledged however idle InfluxDB was (0.45x; 0.08x with 5 lines a
    /// request: bench/README.md, fifteenth session).
    @Test func aBacklogDrainsInAboutAStepABatch() throws {
        let influx = try ReplayServer { _ in HTTPResponse(status: .noContent) }
        defer { influx.stop() }
        let directory = ScratchDirectory.path("forwarder")
        var walConfiguration = WriteAheadLogConfiguration(directory: directory + "/wal")
        walConfiguration.fsync = false
        let log = try WriteAheadLog(configuration: walConfiguration)
        defer { log.close() }
        let lines = (0..<10_000).map { "soil_moisture,user=rick,device=01 value=\($0)i \(1_700_000_000 + $0)\n" }
        for record in stride(from: 0, to: lines.count, by: 100) {
            try log.append(Array(lines[record..<record + 100].joined().utf8), lineCount: 100)
        }
        var policy = DeliveryPolicy()
        policy.batchLines = 1_000
        let forwarder = Forwarder(
            log: log,
            influx: InfluxDBClient(configuration: InfluxConfiguration(url: influx.url, org: "o", api: .v2)),
            http: try CurlMulti(), policy: policy, deadLetters: DeadLetterFile(path: directory + "/dead-letter.jsonl"),
            logger: Logger(level: .error), metrics: Metrics())

        var steps = 0
        var next = LoopCompanionNext.by(0)
        while log.bufferedLines > 0 && steps < 500 {
            Self.wait(for: forwarder.descriptor, until: next)
            next = forwarder.runStep(stopping: false)
            steps += 1
        }

        let bodies = influx.requests.map { String(decoding: $0.body, as: UTF8.self) }
        #expect(bodies.map { $0.split(separator: "\n").count } == Array(repeating: 1_000, count: 10))
        #expect(bodies.joined() == lines.joined())
        #expect(log.bufferedLines == 0)
        // Ten batches: 12 steps here (the first connection's setup and the last confirmation take
        // one each); room for curl's timers waking a step before an answer on a busy machine. The
        // 64-lines-a-step forwarder took 141.
        #expect(steps <= 30, "\(steps) steps for 10 batches")
    }

    /// What the loop does between steps: waits until the descriptor is readable or the step's
    /// deadline has come (a second at most: a round would come by then).
    private static func wait(for descriptor: Int32, until next: LoopCompanionNext) {
        var timeout: Int32 = 1_000
        if case .by(let deadline) = next {
            let now = MonotonicClock.milliseconds()
            timeout = deadline <= now ? 0 : Int32(min(1_000, deadline - now))
        }
        var watched = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        _ = poll(&watched, 1, timeout)
    }
}
