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
