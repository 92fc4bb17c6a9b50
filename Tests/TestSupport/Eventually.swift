import Foundation

/// Waits until `condition` holds, checking every 20 ms; throws naming `what` after `timeout`. For
/// work a test started in the background (a delivery, a timer), never to time the code under test.
public func waitUntil(_ what: String, timeout: Double = 20, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while try !condition() {
        guard Date() < deadline else { throw TestError("timed out waiting until \(what)") }
        usleep(20_000)
    }
}
