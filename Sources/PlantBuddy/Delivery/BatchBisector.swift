/// Which lines of a batch to send next, once InfluxDB refused part of it: each refused range is
/// split in halves, first half first, until every refused line stands alone and can be set aside,
/// so k bad lines among n cost about 2·k·log₂(n) requests and the good lines are all written.
struct BatchBisector: Equatable {
    /// Line ranges still to send; the last one goes next.
    private(set) var pending: [Range<Int>]

    init(lineCount: Int) { pending = lineCount > 0 ? [0..<lineCount] : [] }

    /// The lines to send next; nil once every line was written or set aside.
    var next: Range<Int>? { pending.last }

    /// The next range is done with: written, or (a single refused line) set aside.
    mutating func settle() { pending.removeLast() }

    /// InfluxDB refused the next range. A range of several lines is replaced by its halves (nil is
    /// returned); a single line cannot be split and is returned, to be set aside and then settled.
    mutating func refuse() -> Int? {
        guard let range = pending.last else { return nil }
        guard range.count > 1 else { return range.lowerBound }
        pending.removeLast()
        let middle = range.lowerBound + range.count / 2
        pending += [middle..<range.upperBound, range.lowerBound..<middle]
        return nil
    }
}
