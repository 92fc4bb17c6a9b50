// libFuzzer target: the line-protocol parser and encoder. Whatever parses must encode (or be
// refused by the encoder) and parse back to the same point.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let parsed = LineProtocolParser.parse(Array(UnsafeBufferPointer(start: data, count: size)))
    for (_, point) in parsed.points {
        guard let line = try? LineProtocol.encode(point) else { continue }
        let again = LineProtocolParser.parse(Array(line.utf8))
        precondition(
            again.failures.isEmpty, "re-encoded point does not parse: \(line.debugDescription) \(again.failures)")
        precondition(
            again.points.count == 1 && again.points[0].point == point,
            "round trip changed \(point) into \(again.points)")
    }
    return 0
}
