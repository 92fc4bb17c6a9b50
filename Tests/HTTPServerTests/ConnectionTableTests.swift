import Testing

@testable import HTTPServer

/// The loop's connections, found by descriptor and id: an answer for a connection that closed
/// never reaches the next one that got its descriptor.
@Suite struct ConnectionTableTests {
    private func connection(_ table: inout ConnectionTable, fd: Int32) -> Connection {
        Connection(
            fd: fd, id: table.nextID(for: fd), peer: "peer", limits: HTTPLimits(),
            timer: ConnectionTimer(timeouts: ConnectionTimer.Timeouts(HTTPServerConfiguration()), acceptedAt: 0))
    }

    @Test func aDescriptorUsedAgainIsANewConnectionAndTheOldIdFindsNothing() {
        var table = ConnectionTable()
        let first = connection(&table, fd: 7)
        let other = connection(&table, fd: 3)
        table.insert(first)
        table.insert(other)
        #expect(table[first.id] === first && table[other.id] === other && table.count == 2)
        #expect(table.remove(first) && !table.remove(first))
        let reused = connection(&table, fd: 7)
        table.insert(reused)
        #expect(reused.id != first.id)
        #expect(table[first.id] == nil && table[reused.id] === reused)
        #expect(Set(table.all.map(\.id)) == [other.id, reused.id] && table.count == 2)
        // The loop's own epoll tags (0 and 1) are never connections, whatever is open.
        #expect(table[0] == nil && table[1] == nil)
        #expect(table.remove(other) && table.remove(reused) && table.isEmpty)
    }
}
