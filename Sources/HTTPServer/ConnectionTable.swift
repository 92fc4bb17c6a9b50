/// A loop's open connections by id, found by indexing rather than hashing: every event and every
/// answer given after its request looks its connection up. An id carries the connection's file
/// descriptor in its low 32 bits (unique among open connections) and a count above them (so an id
/// is never used twice, and an answer for a closed connection never reaches the next one on its
/// descriptor).
struct ConnectionTable {
    private var byDescriptor: [Connection?] = []
    private var opened: UInt64 = 0
    private(set) var count = 0

    /// The id for the next connection, on `fd`.
    mutating func nextID(for fd: Int32) -> UInt64 {
        opened += 1
        return opened << 32 | UInt64(UInt32(bitPattern: fd))
    }

    /// The open connection with this id, if any. Ids below 2^32 (the loop's own epoll tags) find none.
    subscript(id: UInt64) -> Connection? {
        let slot = Self.slot(of: id)
        guard slot < byDescriptor.count, let connection = byDescriptor[slot], connection.id == id else { return nil }
        return connection
    }

    mutating func insert(_ connection: Connection) {
        let slot = Self.slot(of: connection.id)
        if slot >= byDescriptor.count {
            byDescriptor += repeatElement(nil, count: slot + 1 - byDescriptor.count)
        }
        if byDescriptor[slot] == nil { count += 1 }
        byDescriptor[slot] = connection
    }

    /// Whether the connection was open here (it is not any more).
    mutating func remove(_ connection: Connection) -> Bool {
        guard self[connection.id] != nil else { return false }
        byDescriptor[Self.slot(of: connection.id)] = nil
        count -= 1
        return true
    }

    var isEmpty: Bool { count == 0 }

    /// The descriptor an id carries.
    private static func slot(of id: UInt64) -> Int { Int(id & 0xffff_ffff) }

    /// The open connections, for a pass over all of them that may close some.
    var all: [Connection] { byDescriptor.compactMap { $0 } }
}
