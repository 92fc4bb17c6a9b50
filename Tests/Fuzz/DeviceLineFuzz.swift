// libFuzzer target: the device-line parser. Nothing may crash; every line is accounted for once, in
// order, by its number, and `lineCount` (the timestamps reserved) counts exactly the lines visited.

/// The parser's catalog throws this; the app's real type lives in a file this target does not build.
public struct ConfigurationError: Error {
    let setting: String
    let message: String
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let parser = DeviceLineParser(catalog: .standard)
    let body = Array(UnsafeBufferPointer(start: data, count: size))
    var previous = 0
    var visited = 0
    parser.forEachLine(in: body) { line in
        visited += 1
        let number: Int
        switch line {
        case .reading(let n, let device, _, _):
            precondition(device.utf8.count == 2, "device id \(device.debugDescription)")
            number = n
        case .sensorFailure(let n, _, _, _), .rejected(let n, _, _): number = n
        }
        precondition(number > previous, "line numbers out of order")
        previous = number
    }
    precondition(parser.lineCount(in: body) == visited, "lineCount differs from the lines visited")
    return 0
}
