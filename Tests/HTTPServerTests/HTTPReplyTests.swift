import Synchronization
import Testing

@testable import HTTPServer

@Suite struct HTTPReplyTests {
    /// Every response passes the observers before it is delivered, whether sent at once or from a
    /// worker; the newest observer sees it first, and what they change is what is delivered.
    @Test func observersSeeEachResponseBeforeItIsDelivered() {
        let seen = Mutex<[String]>([])
        let delivered = Mutex<[HTTPResponse]>([])
        let reply = HTTPReply(
            deliver: { response in delivered.withLock { $0.append(response) } }, offload: { job in job() }
        )
        .observing { response in
            seen.withLock { $0.append("first saw \(response.status.code)") }
            response.headers.add("X-First", "1")
        }
        .observing { response in seen.withLock { $0.append("second saw \(response.status.code)") } }
        reply.send(HTTPResponse(status: .noContent))
        reply.sendFromWorker { HTTPResponse(status: .notFound) }
        #expect(
            seen.withLock { $0 } == ["second saw 204", "first saw 204", "second saw 404", "first saw 404"])
        #expect(delivered.withLock { $0.map(\.status.code) } == [204, 404])
        #expect(delivered.withLock { $0.allSatisfy { $0.headers["X-First"] == "1" } })
    }
}
