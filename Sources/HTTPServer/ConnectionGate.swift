import Synchronization

/// Counts open connections across all event loops against the configured maximum.
final class ConnectionGate: Sendable {
    private let open = Atomic<Int>(0)
    let limit: Int

    init(limit: Int) { self.limit = limit }

    var count: Int { open.load(ordering: .relaxed) }

    func tryOpen() -> Bool {
        if open.wrappingAdd(1, ordering: .relaxed).newValue <= limit { return true }
        open.wrappingSubtract(1, ordering: .relaxed)
        return false
    }

    func release() { open.wrappingSubtract(1, ordering: .relaxed) }
}
