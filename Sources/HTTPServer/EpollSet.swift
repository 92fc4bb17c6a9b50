internal import CSystemLinux
import Glibc

/// An epoll instance and the eventfd that wakes it from other threads. The descriptors live as long
/// as the loop that owns this: a worker finishing late may still wake it, and must never write into
/// a descriptor number that was closed and reused meanwhile.
final class EpollSet: Sendable {
    let fd: Int32
    private let wakeFD: Int32

    /// `wakeTag` is the tag a wake-up's event carries.
    init(wakeTag: UInt64) throws(SocketError) {
        fd = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard fd >= 0 else { throw .last("epoll_create1") }
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard wakeFD >= 0 else {
            Glibc.close(fd)
            throw .last("eventfd")
        }
        try add(wakeFD, events: EPOLLIN.rawValue, tag: wakeTag)
    }

    deinit {
        Glibc.close(fd)
        Glibc.close(wakeFD)
    }

    func add(_ descriptor: Int32, events: UInt32, tag: UInt64) throws(SocketError) {
        var event = epoll_event()
        event.events = events
        event.data.u64 = tag
        guard epoll_ctl(fd, EPOLL_CTL_ADD, descriptor, &event) == 0 else { throw .last("epoll_ctl") }
    }

    func remove(_ descriptor: Int32) { epoll_ctl(fd, EPOLL_CTL_DEL, descriptor, nil) }

    /// Any thread: makes the loop's `epoll_wait` return with the wake tag.
    func wake() {
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    /// The loop's thread, after a wake event: resets the eventfd.
    func acknowledgeWake() {
        var counter: UInt64 = 0
        _ = read(wakeFD, &counter, 8)
    }
}
