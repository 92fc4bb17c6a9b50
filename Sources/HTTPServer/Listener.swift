import Glibc
import Synchronization

/// The listening socket, shared by all loops; the last loop to let go of it closes it.
final class Listener: Sendable {
    let fd: Int32
    private let holders: Atomic<Int>

    init(fd: Int32, holders: Int) {
        self.fd = fd
        self.holders = Atomic(holders)
    }

    func release() {
        if holders.wrappingSubtract(1, ordering: .acquiringAndReleasing).newValue == 0 { Glibc.close(fd) }
    }
}
