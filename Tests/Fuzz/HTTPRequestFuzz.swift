// libFuzzer target: the HTTP request parser. Any bytes, fed whole or split at any point, must give
// the same outcome, and nothing may crash. Built by scripts/fuzz with the parser's sources.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var limits = HTTPLimits()
    limits.maxBodyBytes = 4096
    limits.maxHeadBytes = 2048
    limits.maxRequestLineBytes = 512
    func outcome(_ pieces: [ArraySlice<UInt8>]) -> String {
        var parser = RequestParser(limits: limits)
        var buffer: [UInt8] = []
        var results: [String] = []
        for piece in pieces {
            buffer += piece
            while true {
                do {
                    let step = try buffer.withUnsafeBytes { try parser.parse($0) }
                    guard case .complete(let request, _, let consumed) = step else { break }
                    results.append(
                        "\(request.method.rawValue) \(request.target) \(request.headers.count) \(request.body.count)"
                    )
                    buffer.removeFirst(consumed)
                } catch let error as HTTPParseError {
                    return results.joined(separator: "|") + "|error \(error.status.code)"
                } catch {
                    return "unexpected"
                }
            }
        }
        return results.joined(separator: "|")
    }
    let whole = outcome([bytes[...]])
    let split = size > 1 ? Int(bytes[0]) % size : 0
    let pieces = outcome([bytes[..<split], bytes[split...]])
    precondition(whole == pieces, "split at \(split) changed the outcome: \(whole) vs \(pieces)")
    return 0
}
