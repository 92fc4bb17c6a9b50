/// Parses the Plant Buddy device protocol: one reading per line, `<device id:2><sensor code:2><reading>`.
///
/// Lines may end in CRLF (serial bridges forward them so); blank lines are skipped; line numbers
/// count every line from 1 so a device can find the one that was refused.
public struct DeviceLineParser: Sendable {
    public let catalog: SensorCatalog

    public init(catalog: SensorCatalog) { self.catalog = catalog }

    /// How many lines `forEachLine` visits (the body's non-blank lines).
    public func lineCount(in body: [UInt8]) -> Int {
        var count = 0
        Self.eachLine(in: body) { _, _ in count += 1 }
        return count
    }

    /// Parses the body's lines in order, handing each to `visit`: no array of them (a device
    /// request is usually one line, and an array of one was an allocation and its copies).
    public func forEachLine(in body: [UInt8], _ visit: (DeviceLine) -> Void) {
        Self.eachLine(in: body) { line, number in visit(parseLine(line, number: number)) }
    }

    /// Line by line in place (no array of the body's lines), numbered from 1, blank ones skipped;
    /// scanned by index through the body's buffer, since this runs twice for every device request.
    private static func eachLine(in body: [UInt8], _ visit: (ArraySlice<UInt8>, Int) -> Void) {
        body.withUnsafeBufferPointer { bytes in
            var number = 0
            var start = 0
            while start <= bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
                number += 1
                var first = start
                var last = end
                while first < last, isSpace(bytes[first]) { first += 1 }
                while last > first, isSpace(bytes[last - 1]) { last -= 1 }
                if first < last { visit(body[first..<last], number) }
                start = end + 1
            }
        }
    }

    /// The blanks trimmed around a line: spaces, tabs and the CR of a CRLF ending.
    private static func isSpace(_ byte: UInt8) -> Bool { byte == 32 || byte == 9 || byte == 13 }

    private func parseLine(_ line: ArraySlice<UInt8>, number: Int) -> DeviceLine {
        // Made only for lines that are reported back: most lines are good readings.
        var text: String { String(decoding: line.prefix(200), as: UTF8.self) }
        func reject(_ error: String) -> DeviceLine { .rejected(number: number, text: text, error: error) }

        if line.starts(with: Self.errorMarker) {
            return .sensorFailure(number: number, deviceID: nil, measurement: nil, text: text)
        }
        guard line.count >= 5 else {
            return reject("too short: expected <device id><sensor code><reading>, like 01SM144")
        }
        let deviceBytes = line.prefix(2)
        guard deviceBytes.allSatisfy(Self.isDeviceIDByte) else {
            return reject("device id must be two letters or digits")
        }
        let deviceID = String(decoding: deviceBytes, as: UTF8.self)
        let codeStart = line.startIndex + 2
        guard let measurement = catalog.measurement(code: line[codeStart], line[codeStart + 1]) else {
            return reject("unknown sensor code '\(String(decoding: line[codeStart..<codeStart + 2], as: UTF8.self))'")
        }
        let reading = line.dropFirst(4)
        if reading.starts(with: Self.errorMarker) {
            return .sensorFailure(number: number, deviceID: deviceID, measurement: measurement, text: text)
        }
        switch Self.integer(reading) {
        case .success(let value):
            return .reading(number: number, deviceID: deviceID, measurement: measurement, value: value)
        case .failure(let problem): return reject(problem.message)
        }
    }

    private static let errorMarker = Array("ERR".utf8)

    private static func isDeviceIDByte(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
    }

    private struct ReadingProblem: Error { let message: String }

    /// An optionally signed decimal integer; leading zeros (`007`) are how devices pad.
    private static func integer(_ bytes: ArraySlice<UInt8>) -> Result<Int64, ReadingProblem> {
        var digits = bytes
        let negative = digits.first == UInt8(ascii: "-")
        if negative || digits.first == UInt8(ascii: "+") { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.allSatisfy({ (48...57).contains($0) }) else {
            return .failure(ReadingProblem(message: "reading must be a whole number"))
        }
        var value: Int64 = 0
        for digit in digits {
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = shifted.addingReportingOverflow(Int64(digit - 48))
            guard !overflow1, !overflow2 else { return .failure(ReadingProblem(message: "reading out of range")) }
            value = sum
        }
        return .success(negative ? -value : value)
    }
}
