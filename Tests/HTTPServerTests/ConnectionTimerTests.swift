import Testing

@testable import HTTPServer

/// The server's four timeouts, driven by a clock the test moves: nothing waits.
@Suite struct ConnectionTimerTests {
    private static let timeouts: ConnectionTimer.Timeouts = {
        var configuration = HTTPServerConfiguration()
        configuration.headerReadTimeout = .milliseconds(100)
        configuration.bodyReadTimeout = .milliseconds(300)
        configuration.idleTimeout = .milliseconds(1000)
        configuration.writeTimeout = .milliseconds(50)
        return ConnectionTimer.Timeouts(configuration)
    }()

    private func expiry(
        _ timer: ConnectionTimer, at now: UInt64, awaitingHandler: Bool = false, closing: Bool = false,
        pendingOutput: Bool = false, partialRequest: Bool = false
    ) -> ConnectionTimer.Expiry? {
        timer.expiry(
            at: now, awaitingHandler: awaitingHandler, closing: closing, hasPendingOutput: pendingOutput,
            hasPartialRequest: partialRequest)
    }

    @Test func aConnectionThatNeverSendsAByteIsClosedAfterTheHeaderTimeout() {
        let timer = ConnectionTimer(timeouts: Self.timeouts, acceptedAt: 1000)
        #expect(expiry(timer, at: 1099) == nil)
        #expect(expiry(timer, at: 1100) == .idle)
    }

    /// The header timeout runs from a request's first byte, the body timeout from its complete head.
    @Test func aSlowRequestGets408NamingThePhase() {
        var timer = ConnectionTimer(timeouts: Self.timeouts, acceptedAt: 0)
        timer.idle(at: 0)
        timer.receiving(at: 500, headComplete: false)
        timer.awaitingInput()
        #expect(expiry(timer, at: 599, partialRequest: true) == nil)
        #expect(expiry(timer, at: 600, partialRequest: true) == .requestTooSlow(phase: "header"))

        timer.receiving(at: 550, headComplete: true)  // the head completed 50 ms after the first byte
        timer.awaitingInput()
        #expect(expiry(timer, at: 849, partialRequest: true) == nil)
        #expect(expiry(timer, at: 850, partialRequest: true) == .requestTooSlow(phase: "body"))
    }

    /// More bytes of the same request do not restart its clock: a trickle cannot keep it open.
    @Test func aTrickleDoesNotExtendTheHeaderTimeout() {
        var timer = ConnectionTimer(timeouts: Self.timeouts, acceptedAt: 0)
        timer.receiving(at: 10, headComplete: false)
        timer.awaitingInput()
        timer.receiving(at: 90, headComplete: false)
        timer.awaitingInput()
        #expect(expiry(timer, at: 110, partialRequest: true) == .requestTooSlow(phase: "header"))
    }

    /// A handler has no deadline; the next request's clock starts afresh after it.
    @Test func aHandlerHasNoTimeoutAndTheNextRequestStartsAfresh() {
        var timer = ConnectionTimer(timeouts: Self.timeouts, acceptedAt: 0)
        timer.receiving(at: 0, headComplete: true)
        timer.dispatched()
        #expect(expiry(timer, at: 1_000_000, awaitingHandler: true) == nil)
        #expect(!timer.isReceivingRequest)
        timer.idle(at: 2000)
        #expect(expiry(timer, at: 2999) == nil)
        #expect(expiry(timer, at: 3000) == .idle)
    }

    @Test func aClientThatStopsReadingIsCutOffAfterTheWriteTimeout() {
        var timer = ConnectionTimer(timeouts: Self.timeouts, acceptedAt: 0)
        timer.awaitingClientReading(at: 200)
        #expect(expiry(timer, at: 249, pendingOutput: true) == nil)
        #expect(expiry(timer, at: 250, pendingOutput: true) == .clientNotReading)
    }

    @Test func aClosingConnectionLingersThenCloses() {
        var timer = ConnectionTimer(timeouts: Self.timeouts, acceptedAt: 0)
        timer.lingering(at: 100)
        #expect(expiry(timer, at: 2099, closing: true) == nil)
        #expect(expiry(timer, at: 2100, closing: true, pendingOutput: true) == .closing)
    }
}
