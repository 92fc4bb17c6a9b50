// libFuzzer target: the annotated-CSV parser. Fed whole or in two chunks split anywhere, the events
// and the outcome must be the same; nothing may crash.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    func events(_ pieces: [[UInt8]]) -> String {
        var parser = AnnotatedCSVParser()
        var log: [String] = []
        do throws(AnnotatedCSVError) {
            for piece in pieces { try parser.feed(piece) { log.append("\($0)") } }
            try parser.finish { log.append("\($0)") }
        } catch {
            log.append("error \(error)")
        }
        return log.joined(separator: "\n")
    }
    let split = size > 1 ? Int(bytes[0]) % size : 0
    let whole = events([bytes])
    let pieces = events([Array(bytes[..<split]), Array(bytes[split...])])
    precondition(whole == pieces, "split at \(split) changed the events")
    return 0
}
