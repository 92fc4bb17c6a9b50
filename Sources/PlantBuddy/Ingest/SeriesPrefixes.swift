import InfluxClient
import Synchronization

/// The line-protocol series a connection's device has written, each made once: a device sends the
/// same few sensors on every request, and escaping and checking every name of every line again
/// was about a tenth of a device request's instructions. Found by a look along a short list (a
/// device has a handful of sensors; comparing two small strings is cheaper than hashing them).
final class SeriesPrefixes: Sendable {
    /// How many series one connection keeps; past it (a bridge forwarding for many devices) each
    /// new series replaces the one kept longest, and lines are still encoded right, only slower.
    static let capacity = 16

    private struct Known {
        let device: String
        let measurement: String
        let prefix: LineProtocol.SeriesPrefix
    }

    private struct State {
        var known: [Known] = []
        /// Where the next series goes once the list is full.
        var replaced = 0
    }

    /// Only the connection's own requests use it, one at a time; the lock makes that safe to state.
    private let state = Mutex(State())

    /// The prefix of `device`'s `measurement` lines, made by `make` the first time.
    func prefix(
        device: String, measurement: String,
        orMake make: () throws(LineProtocolError) -> LineProtocol.SeriesPrefix
    ) throws(LineProtocolError) -> LineProtocol.SeriesPrefix {
        let known = state.withLock { state in
            state.known.first { $0.device == device && $0.measurement == measurement }?.prefix
        }
        if let known { return known }
        let made = try make()
        state.withLock { state in
            let entry = Known(device: device, measurement: measurement, prefix: made)
            if state.known.count < Self.capacity {
                state.known.append(entry)
            } else {
                state.known[state.replaced] = entry
                state.replaced = (state.replaced + 1) % Self.capacity
            }
        }
        return made
    }
}
