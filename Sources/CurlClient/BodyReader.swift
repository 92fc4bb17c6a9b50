internal import CCurl

/// A request's body (or a mail's content) handed to curl piece by piece as it uploads it.
final class BodyReader {
    let content: [UInt8]
    private var offset = 0

    init(_ content: [UInt8]) { self.content = content }

    /// Copies the next part into curl's buffer; 0 once everything was read.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let count = min(buffer.count, content.count - offset)
        guard count > 0, let target = buffer.baseAddress else { return 0 }
        content.withUnsafeBytes { target.copyMemory(from: $0.baseAddress! + offset, byteCount: count) }
        offset += count
        return count
    }
}

/// curl's read callback; its context is a `BodyReader`.
let curlReadCallback: ccurl_data_fn = { buffer, size, count, context in
    let reader = Unmanaged<BodyReader>.fromOpaque(context!).takeUnretainedValue()
    return reader.read(into: UnsafeMutableRawBufferPointer(start: buffer, count: size * count))
}
