import CurlClient
import Foundation
import HTTPServer
import InfluxClient
import PlantBuddy
import Synchronization
import TestSupport
import Testing
import WriteAheadLog

/// Every acknowledged reading reaches InfluxDB: through outages, crashes, rate limits and bad data.
/// Against the real InfluxDB 1.x unless a test says it replays responses.
@Suite struct DurabilityTests {
    /// The soil-moisture readings stored for `user`, in time order.
    private func readings(_ influxd: InfluxDServer, _ database: String, user: String) throws -> [Int64] {
        try storedPoints(influxd, database: database, user: user).filter { $0.measurement == "soil_moisture" }.map(
            \.reading)
    }

    @Test func outageLosesNothingAndDuplicatesNothing() throws {
        let influxd = try InfluxDServer()
        defer { influxd.stop() }
        let database = try influxd.createDatabase("outage")
        try withGateway(influxURL: influxd.url, database: database) { gateway in
            let token = try gateway.app.users.add("outage")
            var acknowledged: [Int64] = []
            for reading in 0..<60 {
                if reading == 15 { influxd.pause() }
                if reading == 45 { try influxd.resume() }
                if try gateway.post("01SM\(reading)\n02LI\(reading)", token: token).status == 204 {
                    acknowledged.append(Int64(reading))
                }
                usleep(20_000)
            }
            #expect(acknowledged.count == 60)
            try gateway.waitUntilDelivered(timeout: 60)
            #expect(try readings(influxd, database, user: "outage") == acknowledged)
            #expect(try storedPoints(influxd, database: database).count == 120)  // one point per line, none twice
            let metrics = try gateway.get("/metrics").bodyText
            #expect(!metrics.contains("plantbuddy_batches_retried_total 0"))
            #expect(metrics.contains("plantbuddy_buffer_lines 0"))
        }
    }

    @Test func sigkillUnderLoadLosesNoAcknowledgedReading() throws {
        let influxd = try InfluxDServer.shared()
        let database = try influxd.createDatabase("crash")
        let directory = ScratchDirectory.path("crash")
        let token = try UserStore(dataDirectory: directory).add("crash")
        let common = ["--data-dir", directory, "--influx-url", influxd.url, "--influx-db", database]
        // A long flush interval keeps acknowledged readings in the log when the kill comes.
        let first = try GatewayProcess(
            binary: ExecutableTests.binary, arguments: common + ["--flush-interval", "1h", "--batch-lines", "1000000"])
        let acknowledged = Mutex<[Int64]>([])
        let load = DispatchGroup()
        for writer in 0..<4 {
            DispatchQueue.global().async(group: load) {
                let client = CurlHTTPClient()
                for sequence in 0..<10_000 {
                    let reading = Int64(writer * 100_000 + sequence)
                    let request = HTTPClientRequest(
                        method: "POST", url: "http://127.0.0.1:\(first.port)/write",
                        headers: [("Authorization", "Token \(token)")], body: Array("0\(writer)SM\(reading)".utf8))
                    guard let response = try? client.send(request) else { return }  // killed
                    if response.status == 204 { acknowledged.withLock { $0.append(reading) } }
                }
            }
        }
        while acknowledged.withLock({ $0.count }) < 200 { usleep(10_000) }
        first.signal(SIGKILL)
        first.waitForExit()
        load.wait()

        let second = try GatewayProcess(
            binary: ExecutableTests.binary, arguments: common + ["--flush-interval", "50ms"])
        defer {
            second.signal(SIGTERM)
            second.waitForExit()
        }
        let expected = acknowledged.withLock { $0 }.sorted()
        let deadline = Date().addingTimeInterval(60)
        var stored: [Int64] = []
        while Date() < deadline {
            stored = try readings(influxd, database, user: "crash").sorted()
            if stored.count >= expected.count { break }
            usleep(100_000)
        }
        #expect(Set(expected).isSubset(of: Set(stored)), "lost \(Set(expected).subtracting(stored).count) readings")
        #expect(Set(stored).count == stored.count, "a reading was stored twice")
        #expect(second.log.contains("replaying buffered readings"))
    }

    /// InfluxDB Cloud's rate limit cannot be had here: a loopback server replays its 429 answer.
    @Test func rateLimitReplayingCloud429HonoursRetryAfter() throws {
        let writes = Mutex<[Date]>([])
        let replay = try ReplayServer { request in
            if request.path == "/ping" {
                return HTTPResponse(status: .noContent, headers: ["X-Influxdb-Version": "v2.7.12"])
            }
            let count = writes.withLock {
                $0.append(Date())
                return $0.count
            }
            guard count == 1 else { return HTTPResponse(status: .noContent) }
            var response = HTTPResponse(
                status: .tooManyRequests, contentType: "application/json",
                body: #"{"code":"too many requests","message":"org 1 has exceeded limited_write plan limit"}"#)
            response.headers.add("Retry-After", "1")
            return response
        }
        defer { replay.stop() }
        try withGateway(influxURL: replay.url, database: "plants", configure: { $0.influx.org = "o" }) { gateway in
            let token = try gateway.app.users.add("limited")
            #expect(try gateway.post("01SM100", token: token).status == 204)
            try gateway.waitUntilDelivered()
        }
        let times = writes.withLock { $0 }
        #expect(times.count == 2)
        if times.count == 2 {
            // Without Retry-After the retry would come after 100-500 ms (the test's backoff).
            #expect(times[1].timeIntervalSince(times[0]) >= 0.95)
        }
        #expect(replay.requests.last?.target.hasPrefix("/api/v2/write?org=o&bucket=plants") == true)
    }

    @Test func typeConflictingLineIsDeadLetteredAndTheOthersStored() throws {
        let influxd = try InfluxDServer.shared()
        let database = try influxd.createDatabase("conflict")
        // `light` already holds a float field, so the gateway's integer reading conflicts.
        try influxd.write("light,device_id=01,user=other reading=1.5 \(gatewayFirstStamp - 1)", database: database)
        try withGateway(influxURL: influxd.url, database: database) { gateway in
            let token = try gateway.app.users.add("conflict")
            #expect(try gateway.post("01SM100\n01LI200\n01HU300\n02SM101", token: token).status == 204)
            try gateway.waitUntilDelivered()
            let stored = try storedPoints(influxd, database: database, user: "conflict")
            #expect(stored.map(\.measurement).sorted() == ["humidity", "soil_moisture", "soil_moisture"])
            let deadLetters = try String(
                contentsOfFile: gateway.app.configuration.dataDirectory + "/dead-letter.jsonl", encoding: .utf8)
            let entries = deadLetters.split(separator: "\n")
            #expect(entries.count == 1)
            #expect(entries.first?.contains(#""line":"light,device_id=01,user=conflict reading=200i"#) == true)
            #expect(entries.first?.contains("field type conflict") == true)
            let metrics = try gateway.get("/metrics").bodyText
            #expect(metrics.contains("plantbuddy_lines_dead_lettered_total 1"))
            #expect(metrics.contains(#"plantbuddy_influx_last_error_info{error="InfluxDB answered 400: partial write"#))
        }
    }

    @Test func fullBufferTurnsTo503AndLosesNothingAcknowledged() throws {
        let influxd = try InfluxDServer()
        defer { influxd.stop() }
        let database = try influxd.createDatabase("full")
        influxd.pause()
        try withGateway(
            influxURL: influxd.url, database: database, configure: { $0.maxBufferedBytes = 2_000 }
        ) { gateway in
            let token = try gateway.app.users.add("full")
            var acknowledged: [Int64] = []
            var refusal: HTTPClientResponse?
            for reading in 0..<200 {
                let response = try gateway.post("01SM\(reading)\n01SM\(reading + 1000)", token: token)
                if response.status == 204 {
                    acknowledged += [Int64(reading), Int64(reading + 1000)]
                } else {
                    refusal = response
                    break
                }
            }
            #expect(refusal?.status == 503)
            #expect(refusal?.header("Retry-After") != nil)
            #expect(acknowledged.count > 10)
            try influxd.resume()
            try gateway.waitUntilDelivered(timeout: 60)
            #expect(try readings(influxd, database, user: "full").sorted() == acknowledged.sorted())
        }
    }

    /// Shutdown with InfluxDB away gives up after the grace period; the next start delivers the rest.
    @Test func shutdownLeavesUnsentReadingsOnDiskForTheNextStart() throws {
        let influxd = try InfluxDServer.shared()
        let database = try influxd.createDatabase("restart")
        let directory = ScratchDirectory.path("restart")
        let closed = try ClosedPort()
        try withGateway(
            influxURL: "http://127.0.0.1:\(closed.port)", database: database,
            configure: {
                $0.dataDirectory = directory
                $0.delivery.shutdownGrace = .milliseconds(300)
            }
        ) { gateway in
            let token = try gateway.app.users.add("restart")
            #expect(try gateway.post("01SM1\n01SM2\n01SM3", token: token).status == 204)
        }
        try withGateway(influxURL: influxd.url, database: database, configure: { $0.dataDirectory = directory }) {
            gateway in
            #expect(gateway.app.buffer.recovery.lines == 3)
            try gateway.waitUntilDelivered()
        }
        #expect(try readings(influxd, database, user: "restart") == [1, 2, 3])
    }
}
