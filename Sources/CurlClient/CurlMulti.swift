internal import CCurl
internal import CSystemLinux
import Glibc
import Observability

/// Requests run by libcurl's multi interface on a thread that has other work, typically an event
/// loop: nothing here blocks. curl's sockets are kept in an epoll set of its own, whose descriptor
/// the owner watches; the owner calls `perform` when that descriptor is readable or `deadline` has
/// passed, and the requests' completions run inside it. Used by one thread only.
public final class CurlMulti {
    public typealias Completion = (Result<HTTPClientResponse, CurlError>) -> Void

    public let configuration: CurlClientConfiguration
    /// Readable when one of curl's sockets is ready.
    public let descriptor: Int32
    /// When curl wants `perform` called at the latest, in `MonotonicClock` milliseconds (nil: only
    /// when `descriptor` is readable).
    public private(set) var deadline: UInt64?
    private let multi: UnsafeMutableRawPointer
    private var running: [(transfer: CurlTransfer, completion: Completion)] = []
    private var idleHandles: [CurlEasy] = []
    private var watched: Set<Int32> = []
    /// `perform`'s buffer for ready sockets, kept: it runs every round while a request is in progress.
    private var events = [epoll_event](repeating: epoll_event(), count: 8)

    public init(configuration: CurlClientConfiguration = CurlClientConfiguration()) throws(CurlError) {
        self.configuration = configuration
        _ = CurlEasy.globalInit
        guard let multi = curl_multi_init() else { throw .initFailed }
        let descriptor = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard descriptor >= 0 else {
            curl_multi_cleanup(multi)
            throw .initFailed
        }
        self.multi = multi
        self.descriptor = descriptor
        let context = Unmanaged.passUnretained(self).toOpaque()
        _ = ccurl_multi_setopt_pointer(multi, CURLMOPT_SOCKETDATA, context)
        _ = ccurl_multi_setopt_socket_fn(multi, curlSocketCallback)
        _ = ccurl_multi_setopt_pointer(multi, CURLMOPT_TIMERDATA, context)
        _ = ccurl_multi_setopt_timer_fn(multi, curlTimerCallback)
    }

    deinit {
        for (transfer, _) in running { curl_multi_remove_handle(multi, transfer.easy.handle) }
        running.removeAll()
        idleHandles.removeAll()
        curl_multi_cleanup(multi)
        close(descriptor)
    }

    /// Whether requests are in progress.
    public var isBusy: Bool { !running.isEmpty }

    /// Starts the request; `completion` runs in a later `perform` with its answer or failure.
    public func start(_ request: HTTPClientRequest, completion: @escaping Completion) throws(CurlError) {
        let easy: CurlEasy
        if let idle = idleHandles.popLast() { easy = idle } else { easy = try CurlEasy(configuration: configuration) }
        let transfer: CurlTransfer
        do throws(CurlError) {
            transfer = try easy.begin(request)
        } catch {
            idleHandles.append(easy)
            throw error
        }
        guard curl_multi_add_handle(multi, easy.handle) == CURLM_OK else {
            idleHandles.append(easy)
            throw .initFailed
        }
        running.append((transfer, completion))
    }

    /// Moves every request on as far as it can go without waiting, then runs the completions of
    /// those that ended.
    public func perform() {
        var stillRunning: Int32 = 0
        let ready = epoll_wait(descriptor, &events, Int32(events.count), 0)
        for index in 0..<max(0, Int(ready)) {
            let event = events[index]
            var mask: Int32 = 0
            if event.events & EPOLLIN.rawValue != 0 { mask |= CURL_CSELECT_IN }
            if event.events & EPOLLOUT.rawValue != 0 { mask |= CURL_CSELECT_OUT }
            if event.events & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 { mask |= CURL_CSELECT_ERR }
            _ = curl_multi_socket_action(multi, curl_socket_t(event.data.fd), mask, &stillRunning)
        }
        if let deadline, MonotonicClock.milliseconds() >= deadline {
            self.deadline = nil
            _ = curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &stillRunning)
        }
        finishDone()
    }

    private func finishDone() {
        var finished: [(Result<HTTPClientResponse, CurlError>, Completion)] = []
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE,
                let index = running.firstIndex(where: { $0.transfer.easy.handle == message.pointee.easy_handle })
            else { continue }
            let (transfer, completion) = running.remove(at: index)
            let code = ccurl_message_result(message)
            curl_multi_remove_handle(multi, transfer.easy.handle)
            let result = Result { () throws(CurlError) in try transfer.finish(code) }
            idleHandles.append(transfer.easy)
            finished.append((result, completion))
        }
        // After the bookkeeping: a completion may start the next request.
        for (result, completion) in finished { completion(result) }
    }

    fileprivate func watch(_ socket: Int32, what: Int32) {
        guard what != CURL_POLL_REMOVE else {
            if watched.remove(socket) != nil { epoll_ctl(descriptor, EPOLL_CTL_DEL, socket, nil) }
            return
        }
        var event = epoll_event()
        event.events =
            (what & CURL_POLL_IN != 0 ? EPOLLIN.rawValue : 0) | (what & CURL_POLL_OUT != 0 ? EPOLLOUT.rawValue : 0)
        event.data.fd = socket
        let operation = watched.insert(socket).inserted ? EPOLL_CTL_ADD : EPOLL_CTL_MOD
        epoll_ctl(descriptor, operation, socket, &event)
    }

    fileprivate func setTimer(_ milliseconds: Int) {
        deadline = milliseconds < 0 ? nil : MonotonicClock.milliseconds() + UInt64(milliseconds)
    }
}

private let curlSocketCallback: curl_socket_callback = { _, socket, what, context, _ in
    Unmanaged<CurlMulti>.fromOpaque(context!).takeUnretainedValue().watch(socket, what: what)
    return 0
}

private let curlTimerCallback: curl_multi_timer_callback = { _, milliseconds, context in
    Unmanaged<CurlMulti>.fromOpaque(context!).takeUnretainedValue().setTimer(milliseconds)
    return 0
}
