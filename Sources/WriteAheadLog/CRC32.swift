internal import CZlib

/// CRC-32 (IEEE 802.3), zlib's own implementation (several bytes per step, far faster than a
/// byte-wise table). Guards each log record against torn writes.
enum CRC32 {
    static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return crc }
        return UInt32(
            truncatingIfNeeded: crc32(uLong(crc), base.assumingMemoryBound(to: Bytef.self), uInt(bytes.count)))
    }
}
