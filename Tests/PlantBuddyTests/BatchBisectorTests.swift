import Testing

@testable import PlantBuddy

/// The forwarder's batch splitting against a stand-in for InfluxDB that refuses any request
/// holding a bad line, as InfluxDB refuses a batch with a malformed line or a type conflict.
@Suite struct BatchBisectorTests {
    private struct Outcome {
        var written: [Int] = []
        var setAside: [Int] = []
        var requests = 0
    }

    private func deliver(lines: Int, bad: Set<Int>) -> Outcome {
        var outcome = Outcome()
        var bisector = BatchBisector(lineCount: lines)
        while let range = bisector.next {
            outcome.requests += 1
            if range.allSatisfy({ !bad.contains($0) }) {
                outcome.written += range
                bisector.settle()
            } else if let single = bisector.refuse() {
                outcome.setAside.append(single)
                bisector.settle()
            }
        }
        return outcome
    }

    static let cases: [(lines: Int, bad: Set<Int>)] = [
        (1, []), (1, [0]), (10, [3, 7]), (2000, [0, 1999]), (2000, Set(0..<2000)), (1000, [500]),
    ]

    @Test(arguments: cases)
    func everyGoodLineIsWrittenOnceAndOnlyBadLinesAreSetAside(lines: Int, bad: Set<Int>) {
        let outcome = deliver(lines: lines, bad: bad)
        #expect(outcome.written.sorted() == (0..<lines).filter { !bad.contains($0) })
        #expect(outcome.setAside.sorted() == bad.sorted())
    }

    /// One bad line among 2,000 costs about 2·log₂(2000) ≈ 22 requests, not 2,000.
    @Test func aFewBadLinesCostLogarithmicallyManyRequests() {
        #expect(deliver(lines: 2000, bad: [1234]).requests <= 2 * 11 + 1)
        #expect(deliver(lines: 2000, bad: [5, 1500]).requests <= 4 * 11 + 1)
        #expect(deliver(lines: 2000, bad: []).requests == 1)
    }

    @Test func anEmptyBatchSendsNothing() {
        #expect(BatchBisector(lineCount: 0).next == nil)
    }
}
