import CurlClient
import Foundation
import Glibc
import HTTPServer
import InfluxClient
import Observability
import TestSupport
import Testing

/// `CurlMulti` driven the way an event loop drives it: wait for its descriptor or its deadline, then
/// `perform`; nothing else calls into curl.
@Suite struct CurlMultiTests {
    @Test func writesThroughTheMultiInterfaceReachRealInfluxDB1() throws {
        let influxd = try InfluxDServer.shared()
        let database = try influxd.createDatabase("multi")
        let client = InfluxDBClient(configuration: InfluxConfiguration(url: influxd.url, database: database, api: .v1))
        let multi = try CurlMulti()
        let lines = (0..<3_000).map { "m,device_id=01 reading=\($0)i \(1_000 + $0)\n" }.joined()
        var answer: Result<HTTPClientResponse, CurlError>?
        try multi.start(client.writeRequest(Array(lines.utf8), api: .v1)) { answer = $0 }
        drive(multi) { answer != nil }
        try InfluxDBClient.checkWrite(#require(try answer?.get()))
        #expect(try influxd.rows("SELECT count(reading) FROM m", database: database).first?.1["count"] as? Int == 3_000)
        #expect(!multi.isBusy)
    }

    /// Requests in progress together each get their own answer, and a completion may start the next.
    @Test func concurrentRequestsEachGetTheirOwnAnswer() throws {
        let server = try ReplayServer { request in
            HTTPResponse(status: .ok, body: Array("\(request.target) \(request.body.count)".utf8))
        }
        defer { server.stop() }
        let multi = try CurlMulti()
        var answers: [String: String] = [:]
        for (name, size) in [("a", 10), ("b", 300_000), ("c", 0)] {
            let request = HTTPClientRequest(
                method: "POST", url: server.url + "/\(name)", body: [UInt8](repeating: 0x61, count: size))
            try multi.start(request) { result in
                answers[name] = (try? result.get())?.bodyText
                if name == "c" {
                    try? multi.start(HTTPClientRequest(url: server.url + "/then")) {
                        answers["then"] = (try? $0.get())?.bodyText
                    }
                }
            }
        }
        drive(multi) { answers.count == 4 }
        #expect(answers == ["a": "/a 10", "b": "/b 300000", "c": "/c 0", "then": "/then 0"])
    }

    @Test func aRefusedConnectionCompletesWithATransferError() throws {
        let closed = try ClosedPort()
        let multi = try CurlMulti()
        var answer: Result<HTTPClientResponse, CurlError>?
        try multi.start(HTTPClientRequest(url: "http://127.0.0.1:\(closed.port)/ping")) { answer = $0 }
        drive(multi) { answer != nil }
        guard case .failure(.transfer(let code, _)) = answer else {
            Issue.record("expected a transfer error, got \(String(describing: answer))")
            return
        }
        #expect(code == 7)  // CURLE_COULDNT_CONNECT
    }

    /// Waits as an event loop would, for at most ten seconds.
    private func drive(_ multi: CurlMulti, until done: () -> Bool) {
        let giveUp = MonotonicClock.milliseconds() + 10_000
        while !done() && MonotonicClock.milliseconds() < giveUp {
            var ready = pollfd(fd: multi.descriptor, events: Int16(POLLIN), revents: 0)
            let wait =
                multi.deadline.map {
                    $0 > MonotonicClock.milliseconds() ? Int32(min($0 - MonotonicClock.milliseconds(), 100)) : 0
                } ?? 100
            _ = poll(&ready, 1, wait)
            multi.perform()
        }
    }
}
