/// Where a record starts or ends in the log: a segment and a byte offset within it.
public struct LogPosition: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var segment: UInt64
    public var offset: Int

    public init(segment: UInt64, offset: Int) {
        self.segment = segment
        self.offset = offset
    }

    public static func < (lhs: LogPosition, rhs: LogPosition) -> Bool {
        (lhs.segment, lhs.offset) < (rhs.segment, rhs.offset)
    }

    public var description: String { "\(segment):\(offset)" }
}

/// One appended payload as read back, with its bookkeeping.
public struct LogRecord: Sendable {
    public var start: LogPosition
    /// The position just after this record: confirm through it to release the record.
    public var end: LogPosition
    public var lineCount: Int
    /// Wall-clock milliseconds when it was appended.
    public var appendedAt: Int64
    /// A slice of the bytes read for the whole batch, so records cost no copy each.
    public var payload: ArraySlice<UInt8>
}

/// On disk: a 20-byte header, then the payload.
///
/// `[payload length u32][line count u32][appended-at ms i64][CRC-32 u32]`, little-endian; the CRC
/// covers the first 16 header bytes and the payload, so a torn or corrupt record is recognised.
enum RecordFormat {
    static let headerBytes = 20

    static func encode(_ payload: [UInt8], lineCount: Int, appendedAt: Int64, into buffer: inout [UInt8]) {
        let start = buffer.count
        append(UInt32(payload.count), to: &buffer)
        append(UInt32(lineCount), to: &buffer)
        append(UInt64(bitPattern: appendedAt), to: &buffer)
        var crc = buffer[start..<start + 16].withUnsafeBytes { CRC32.checksum($0) }
        crc = payload.withUnsafeBytes { CRC32.checksum($0, continuing: crc) }
        append(crc, to: &buffer)
        buffer += payload
    }

    struct Header {
        var payloadLength: Int
        var lineCount: Int
        var appendedAt: Int64
        var crc: UInt32
    }

    static func header(_ bytes: UnsafeRawBufferPointer) -> Header {
        Header(
            payloadLength: Int(bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self).littleEndian),
            lineCount: Int(bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self).littleEndian),
            appendedAt: Int64(bitPattern: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian),
            crc: bytes.loadUnaligned(fromByteOffset: 16, as: UInt32.self).littleEndian)
    }

    static func isValid(header: Header, headerBytes: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) -> Bool {
        let crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: headerBytes[0..<16]))
        return CRC32.checksum(payload, continuing: crc) == header.crc
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to buffer: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { buffer += $0 }
    }
}
