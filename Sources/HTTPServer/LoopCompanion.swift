/// Work that shares an event loop's thread with its connections, in small steps between the
/// loop's rounds, so that it never holds the CPU from them for long (the forwarder's requests to
/// InfluxDB: on a busy CPU a thread of its own took the CPU for whole batches at a time).
///
/// The loop runs it at the end of every round, when its descriptor is readable, and by the deadline
/// it asks for; always on the loop's thread, never concurrently.
public protocol LoopCompanion: AnyObject, Sendable {
    /// Watched for readability by the loop; -1 for none.
    var descriptor: Int32 { get }
    /// Does a step of what is due now; `stopping` once the server's shutdown began.
    func runStep(stopping: Bool) -> LoopCompanionNext
}

/// When a companion needs its next step.
public enum LoopCompanionNext: Equatable, Sendable {
    /// At the next round or when its descriptor is readable, however long that takes.
    case whenever
    /// By this `MonotonicClock` millisecond at the latest.
    case by(UInt64)
    /// Never again: it has nothing left to do (only once stopping; the loop may then end).
    case finished
}
