extension LineProtocol {
    /// The start of a line up to its one field's value, `measurement,key=value,… field=`, escaped
    /// and checked by the same functions as `encode`: for a writer that sends many points of one
    /// series, each of which then costs a copy of these bytes and its numbers. (Encoding a device's
    /// line in full, every name escaped again, was about a tenth of a device request's work.)
    public struct SeriesPrefix: Sendable, Equatable {
        public let bytes: [UInt8]

        public init(
            measurement: String, sortedTags: Span<(key: String, value: String)>, field: String
        ) throws(LineProtocolError) {
            var bytes: [UInt8] = []
            try LineProtocol.appendSeries(measurement: measurement, sortedTags: sortedTags, to: &bytes)
            bytes.append(.space)
            try LineProtocol.append(field, as: .key, to: &bytes)
            bytes.append(.equals)
            self.bytes = bytes
        }

        /// Appends one line of this series (with its trailing LF), the same bytes `encode` makes
        /// of the same point; on error `output` is left as it was.
        public func appendLine(
            _ value: FieldValue, timestamp: Int64?, to output: inout [UInt8]
        ) throws(LineProtocolError) {
            let start = output.count
            output.append(contentsOf: bytes)
            do throws(LineProtocolError) {
                try LineProtocol.append(value, to: &output)
            } catch {
                output.removeSubrange(start...)
                throw error
            }
            LineProtocol.appendEnd(timestamp: timestamp, to: &output)
        }
    }
}
