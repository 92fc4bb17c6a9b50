// libFuzzer target: the streaming JSON parser and the InfluxQL answer reader on its events. Fed
// whole or in two chunks split anywhere, the events and the outcome must be the same; nothing may crash.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    func events(_ pieces: [[UInt8]]) -> String {
        var parser = JSONStreamParser(maxTokenBytes: 256, maxDepth: 16)
        var reader = InfluxQLAnswerReader()
        var log: [String] = []
        func add(_ event: JSONEvent) {
            log.append("\(event)")
            reader.add(event) { log.append("\($0)") }
        }
        do throws(JSONStreamError) {
            for piece in pieces { try parser.feed(piece, add) }
            try parser.finish(add)
        } catch {
            log.append("error \(error)")
        }
        return log.joined(separator: "\n") + "\n" + (reader.error ?? "")
    }
    let split = size > 1 ? Int(bytes[0]) % size : 0
    let whole = events([bytes])
    let pieces = events([Array(bytes[..<split]), Array(bytes[split...])])
    precondition(whole == pieces, "split at \(split) changed the events")
    return 0
}
