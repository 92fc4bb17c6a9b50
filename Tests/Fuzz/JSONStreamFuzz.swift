// libFuzzer target: the streaming JSON parser and the InfluxQL answer reader on its events. Fed
// whole or in two chunks split anywhere, the events and the outcome must be the same; nothing may crash.

/// What one feeding saw, compared as values: a series' tags are a dictionary, whose text lists
/// them in an order that differs from one dictionary to the next even with the same contents.
private enum Seen: Equatable {
    case json(JSONEvent)
    case answer(InfluxQLEvent)
    case failure(String)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    func events(_ pieces: [[UInt8]]) -> [Seen] {
        var parser = JSONStreamParser(maxTokenBytes: 256, maxDepth: 16)
        var reader = InfluxQLAnswerReader()
        var seen: [Seen] = []
        func add(_ event: JSONEvent) {
            seen.append(.json(event))
            reader.add(event) { seen.append(.answer($0)) }
        }
        do throws(JSONStreamError) {
            for piece in pieces { try parser.feed(piece, add) }
            try parser.finish(add)
        } catch {
            seen.append(.failure("\(error)"))
        }
        if let error = reader.error { seen.append(.failure(error)) }
        return seen
    }
    let split = size > 1 ? Int(bytes[0]) % size : 0
    let whole = events([bytes])
    let pieces = events([Array(bytes[..<split]), Array(bytes[split...])])
    precondition(whole == pieces, "split at \(split) changed the events")
    return 0
}
