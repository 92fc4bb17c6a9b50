/// On disk: a 20-byte header, then the payload.
///
/// `[payload length u32][line count u32][appended-at ms i64][CRC-32 u32]`, little-endian; the CRC
/// covers the first 16 header bytes and the payload, so a torn or corrupt record is recognised.
enum RecordFormat {
    static let headerBytes = 20

    static func encode(_ payload: [UInt8], lineCount: Int, appendedAt: Int64, into buffer: inout [UInt8]) {
        // The header is laid out on the stack and appended whole: an append per field was a
        // tenth of writing a one-line record.
        withUnsafeTemporaryAllocation(byteCount: headerBytes, alignment: 8) { header in
            header.storeBytes(of: UInt32(payload.count).littleEndian, toByteOffset: 0, as: UInt32.self)
            header.storeBytes(of: UInt32(lineCount).littleEndian, toByteOffset: 4, as: UInt32.self)
            header.storeBytes(of: UInt64(bitPattern: appendedAt).littleEndian, toByteOffset: 8, as: UInt64.self)
            let crc = payload.withUnsafeBytes {
                CRC32.checksum($0, continuing: CRC32.checksum(UnsafeRawBufferPointer(rebasing: header[0..<16])))
            }
            header.storeBytes(of: crc.littleEndian, toByteOffset: 16, as: UInt32.self)
            buffer.append(contentsOf: UnsafeRawBufferPointer(header))
        }
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
}
