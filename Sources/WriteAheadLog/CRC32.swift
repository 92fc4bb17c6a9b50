/// CRC-32 (IEEE 802.3: reflected polynomial 0xEDB88320, as zlib and gzip compute it), eight bytes
/// a step ("slicing-by-8"). Guards each log record against torn writes; every record is summed
/// once written and checked again whenever it is read back from a file, and zlib's `crc32`,
/// byte-wise below 47 bytes and set up for long buffers above, cost about one and a half times as
/// much on records this size.
enum CRC32 {
    /// `tables[k * 256 + n]`: the CRC of byte `n` followed by `k` zero bytes.
    private static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
            tables[byte] = crc
        }
        for byte in 0..<256 {
            var crc = tables[byte]
            for zeros in 1..<8 {
                crc = tables[Int(crc & 0xff)] ^ (crc >> 8)
                tables[zeros * 256 + byte] = crc
            }
        }
        return tables
    }()

    static func checksum(_ bytes: UnsafeRawBufferPointer, continuing previous: UInt32 = 0) -> UInt32 {
        // The state stays local to the closure, in registers (captured, it lived in memory).
        tables.withUnsafeBufferPointer { table in
            var crc = ~previous
            var offset = 0
            while bytes.count &- offset >= 8 {
                let word =
                    UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) ^ UInt64(crc)
                crc =
                    table[7 * 256 + Int(word & 0xff)] ^ table[6 * 256 + Int(word >> 8 & 0xff)]
                    ^ table[5 * 256 + Int(word >> 16 & 0xff)] ^ table[4 * 256 + Int(word >> 24 & 0xff)]
                    ^ table[3 * 256 + Int(word >> 32 & 0xff)] ^ table[2 * 256 + Int(word >> 40 & 0xff)]
                    ^ table[256 + Int(word >> 48 & 0xff)] ^ table[Int(word >> 56)]
                offset &+= 8
            }
            while offset < bytes.count {
                crc = table[Int((crc ^ UInt32(bytes[offset])) & 0xff)] ^ (crc >> 8)
                offset &+= 1
            }
            return ~crc
        }
    }
}
