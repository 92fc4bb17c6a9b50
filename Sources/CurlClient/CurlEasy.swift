internal import CCurl

/// One curl easy handle. Reused across requests so connections stay open (curl keeps a
/// per-handle connection cache). Used by one thread at a time: the pool hands it out exclusively.
final class CurlEasy: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    let configuration: CurlClientConfiguration
    /// libcurl must be initialised once per process, before any thread uses it.
    static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_ALL)) }()

    init(configuration: CurlClientConfiguration) throws(CurlError) {
        _ = Self.globalInit
        guard let handle = curl_easy_init() else { throw .initFailed }
        self.handle = handle
        self.configuration = configuration
    }

    deinit { curl_easy_cleanup(handle) }

    /// Performs one request. With `onBody`, the body of a 2xx response goes to it as it arrives
    /// instead of being buffered (returning false aborts); other responses are buffered as usual.
    func perform(
        _ request: HTTPClientRequest, onBody: ((UnsafeRawBufferPointer) -> Bool)? = nil
    ) throws(CurlError) -> HTTPClientResponse {
        let transfer = try begin(request, onBody: onBody)
        return try transfer.finish(withExtendedLifetime(transfer) { curl_easy_perform(handle) })
    }

    /// Sets the handle up for the request; the returned transfer holds what curl reads from until
    /// the request is done (`perform` here, or a `CurlMulti`).
    func begin(
        _ request: HTTPClientRequest, onBody: ((UnsafeRawBufferPointer) -> Bool)? = nil
    ) throws(CurlError) -> CurlTransfer {
        curl_easy_reset(handle)  // clears options, keeps the connection cache
        let transfer = CurlTransfer(
            easy: self, sink: TransferSink(limit: configuration.maxResponseBytes, onBody: onBody), body: request.body)
        // An empty Expect stops curl from waiting for 100-continue before larger bodies.
        for (name, value) in request.headers + [("Expect", "")] {
            transfer.headerList = curl_slist_append(
                transfer.headerList, value.isEmpty ? "\(name):" : "\(name): \(value)")
        }
        let code = configure(request, transfer)
        guard code == CURLE_OK else { throw .failed(code, errorBuffer: transfer.errorBuffer) }
        return transfer
    }

    private func configure(_ request: HTTPClientRequest, _ transfer: CurlTransfer) -> CURLcode {
        let sink = Unmanaged.passUnretained(transfer.sink).toOpaque()
        let steps: [() -> CURLcode] =
            [
                { ccurl_setopt_pointer(self.handle, CURLOPT_ERRORBUFFER, transfer.errorBuffer) },
                { ccurl_setopt_string(self.handle, CURLOPT_URL, request.url) },
                { ccurl_setopt_string(self.handle, CURLOPT_PROTOCOLS_STR, "http,https") },
                { ccurl_setopt_long(self.handle, CURLOPT_NOSIGNAL, 1) },
                {
                    ccurl_setopt_long(
                        self.handle, CURLOPT_CONNECTTIMEOUT_MS, Int(self.configuration.connectTimeout.milliseconds))
                },
                {
                    ccurl_setopt_long(
                        self.handle, CURLOPT_TIMEOUT_MS, Int(self.configuration.totalTimeout.milliseconds))
                },
                { ccurl_setopt_long(self.handle, CURLOPT_TCP_KEEPALIVE, 1) },
                // Larger reads mean fewer callbacks (and fewer rows cut at chunk edges) on big query answers:
                // 1 MiB streamed 100 MB of annotated CSV 5-8 % faster than 256 KiB (bench/csv.sh), for 1 MiB
                // per pooled handle.
                { ccurl_setopt_long(self.handle, CURLOPT_BUFFERSIZE, 1024 * 1024) },
                { ccurl_setopt_string(self.handle, CURLOPT_USERAGENT, self.configuration.userAgent) },
                { ccurl_setopt_slist(self.handle, CURLOPT_HTTPHEADER, transfer.headerList) },
                { ccurl_setopt_pointer(self.handle, CURLOPT_WRITEDATA, sink) },
                { ccurl_setopt_data_fn(self.handle, CURLOPT_WRITEFUNCTION, curlBodyCallback) },
                { ccurl_setopt_pointer(self.handle, CURLOPT_HEADERDATA, sink) },
                { ccurl_setopt_data_fn(self.handle, CURLOPT_HEADERFUNCTION, curlHeaderCallback) },
            ] + methodSteps(request, transfer)
        for step in steps {
            let code = step()
            if code != CURLE_OK { return code }
        }
        return CURLE_OK
    }

    private func methodSteps(_ request: HTTPClientRequest, _ transfer: CurlTransfer) -> [() -> CURLcode] {
        switch request.method {
        case "GET" where request.body.isEmpty:
            return []
        case "HEAD":
            return [{ ccurl_setopt_long(self.handle, CURLOPT_NOBODY, 1) }]
        default:
            // The body is read from the transfer, which owns it until the request is done; with its
            // size given, curl sends a Content-Length rather than chunks.
            let body = Unmanaged.passUnretained(transfer.body).toOpaque()
            return [
                { ccurl_setopt_long(self.handle, CURLOPT_POST, 1) },
                { ccurl_setopt_offset(self.handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)) },
                // The whole body read at once (within curl's limits), so it leaves in as few sends as
                // the socket allows: each send wakes the receiver.
                {
                    ccurl_setopt_long(
                        self.handle, CURLOPT_UPLOAD_BUFFERSIZE, min(max(request.body.count, 16 << 10), 2 << 20))
                },
                { ccurl_setopt_pointer(self.handle, CURLOPT_READDATA, body) },
                { ccurl_setopt_data_fn(self.handle, CURLOPT_READFUNCTION, curlReadCallback) },
                { ccurl_setopt_string(self.handle, CURLOPT_CUSTOMREQUEST, request.method) },
            ]
        }
    }
}

/// One request in progress on an easy handle: the body curl reads, the header list and error
/// buffer it points at, and the sink collecting the answer.
final class CurlTransfer {
    let easy: CurlEasy
    let sink: TransferSink
    let body: BodyReader
    var headerList: UnsafeMutablePointer<curl_slist>?
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    init(easy: CurlEasy, sink: TransferSink, body: [UInt8]) {
        self.easy = easy
        self.sink = sink
        self.body = BodyReader(body)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    /// The answer, once curl ended the transfer with `code`.
    func finish(_ code: CURLcode) throws(CurlError) -> HTTPClientResponse {
        if sink.exceededLimit { throw .responseTooLarge(limit: easy.configuration.maxResponseBytes) }
        if sink.aborted { throw .aborted }
        guard code == CURLE_OK else { throw .failed(code, errorBuffer: errorBuffer) }
        var status = 0
        _ = ccurl_getinfo_long(easy.handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPClientResponse(status: status, headers: sink.headers, body: sink.body)
    }
}

extension CurlError {
    /// curl's failure `code`, told by what curl wrote into the transfer's error buffer, else by
    /// curl's text for the code.
    static func failed(_ code: CURLcode, errorBuffer: UnsafePointer<CChar>) -> CurlError {
        let detail = String(cString: errorBuffer)
        let message = detail.isEmpty ? String(validatingCString: curl_easy_strerror(code)) ?? "curl error" : detail
        return .transfer(code: Int(code.rawValue), message: message)
    }
}

/// Collects one transfer's headers and body; curl calls into it through the callbacks below.
final class TransferSink {
    let limit: Int
    let onBody: ((UnsafeRawBufferPointer) -> Bool)?
    var headers: [(name: String, value: String)] = []
    var body: [UInt8] = []
    var exceededLimit = false
    var aborted = false
    /// From the latest status line, so the body callback knows whether to stream.
    var status = 0

    init(limit: Int, onBody: ((UnsafeRawBufferPointer) -> Bool)?) {
        self.limit = limit
        self.onBody = onBody
    }

    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if let onBody, (200..<300).contains(status) {
            aborted = !onBody(bytes)
            return !aborted
        }
        guard body.count + bytes.count <= limit else {
            exceededLimit = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    /// One header line as curl hands it over (CRLF included). Byte-wise: every forwarded batch's
    /// answer passes here, and trimming by `Character` cost more than the rest of reading it.
    func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        let line = Self.trimmed(bytes[...], of: [UInt8(ascii: "\r"), UInt8(ascii: "\n")])
        if line.starts(with: "HTTP/".utf8) {
            headers.removeAll()  // a new response (after 100 Continue or a redirect) starts over
            let code = line.split(separator: UInt8(ascii: " ")).dropFirst().first
            status = code.flatMap { Int(String(decoding: $0, as: UTF8.self)) } ?? 0
        } else {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
            let value = Self.trimmed(line[(colon + 1)...], of: [UInt8(ascii: " "), UInt8(ascii: "\t")])
            headers.append((String(decoding: line[..<colon], as: UTF8.self), String(decoding: value, as: UTF8.self)))
        }
    }

    private static func trimmed(
        _ bytes: Slice<UnsafeRawBufferPointer>, of ends: [UInt8]
    ) -> Slice<UnsafeRawBufferPointer> {
        var text = bytes
        while let first = text.first, ends.contains(first) { text.removeFirst() }
        while let last = text.last, ends.contains(last) { text.removeLast() }
        return text
    }
}

private let curlBodyCallback: ccurl_data_fn = { data, size, count, context in
    let sink = Unmanaged<TransferSink>.fromOpaque(context!).takeUnretainedValue()
    let bytes = UnsafeRawBufferPointer(start: data, count: size * count)
    return sink.receive(bytes) ? size * count : 0
}

private let curlHeaderCallback: ccurl_data_fn = { data, size, count, context in
    let sink = Unmanaged<TransferSink>.fromOpaque(context!).takeUnretainedValue()
    sink.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: size * count))
    return size * count
}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
