/// A typed cell of an annotated-CSV table.
public enum CSVValue: Equatable, Sendable {
    case null
    case string(String)
    case long(Int64)
    case unsignedLong(UInt64)
    case double(Double)
    case boolean(Bool)
    case dateTime(Timestamp)
    /// Kept as written (`1h30m`).
    case duration(String)
    /// Kept as written.
    case base64Binary(String)

    public static func == (lhs: CSVValue, rhs: CSVValue) -> Bool {
        switch (lhs, rhs) {
        case (.double(let a), .double(let b)): a == b || (a.isNaN && b.isNaN)
        case (.null, .null): true
        case (.string(let a), .string(let b)), (.duration(let a), .duration(let b)),
            (.base64Binary(let a), .base64Binary(let b)):
            a == b
        case (.long(let a), .long(let b)): a == b
        case (.unsignedLong(let a), .unsignedLong(let b)): a == b
        case (.boolean(let a), .boolean(let b)): a == b
        case (.dateTime(let a), .dateTime(let b)): a == b
        default: false
        }
    }
}

public struct CSVColumn: Equatable, Sendable {
    public var name: String
    /// The `#datatype` annotation (`string` when there is none).
    public var type: String
    public var group: Bool
    public var defaultValue: String
}

/// One table of a Flux result: its result name, table id and columns (annotation column excluded).
public struct CSVTable: Equatable, Sendable {
    public var result: String
    public var table: Int64
    public var columns: [CSVColumn]
}

public enum AnnotatedCSVEvent: Equatable, Sendable {
    /// A new table begins; the records that follow belong to it.
    case table(CSVTable)
    /// One row, one value per column of the current table.
    case record([CSVValue])
}

public enum AnnotatedCSVError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The server reported an error inside the stream (an `error,reference` table).
    case query(message: String, reference: String)
    /// The bytes are not annotated CSV.
    case malformed(line: Int, reason: String)

    public var description: String {
        switch self {
        case .query(let message, let reference): reference.isEmpty ? message : "\(message) (reference \(reference))"
        case .malformed(let line, let reason): "malformed annotated CSV at line \(line): \(reason)"
        }
    }
}

/// A push parser for Flux's annotated CSV (RFC 4180 quoting; `#datatype`, `#group`, `#default`).
///
/// Bytes go in as they arrive from the network, in chunks of any size; events come out row by row,
/// so memory stays bounded by the longest row whatever the size of the response.
public struct AnnotatedCSVParser {
    // Tokenizer state.
    private var field: [UInt8] = []
    private var row: [String] = []
    private var inQuotes = false
    private var quoteSeen = false  // a quote inside quotes: the end, or the first half of ""
    private var pendingCR = false
    private var rowHasContent = false
    private var line = 1
    private var rowLine = 1

    // Block state: annotations and header of the current block.
    private var datatypes: [String]?
    private var groups: [String]?
    private var defaults: [String]?
    private var header: [String]?
    private var isErrorBlock = false
    private var current: CSVTable?
    private var resultColumn: Int?
    private var tableColumn: Int?

    public init() {}

    public mutating func feed(
        _ bytes: UnsafeRawBufferPointer, _ emit: (AnnotatedCSVEvent) throws(AnnotatedCSVError) -> Void
    ) throws(AnnotatedCSVError) {
        for byte in bytes {
            if inQuotes {
                if quoteSeen {
                    quoteSeen = false
                    if byte == .quote {
                        field.append(.quote)
                        continue
                    }
                    inQuotes = false  // the quote closed the field; handle this byte below
                } else {
                    if byte == .quote {
                        quoteSeen = true
                    } else {
                        if byte == .newline { line += 1 }
                        field.append(byte)
                    }
                    continue
                }
            }
            if pendingCR {
                pendingCR = false
                if byte != .newline { field.append(.carriageReturn) }
            }
            switch byte {
            case .comma:
                endField()
            case .newline:
                try endRow(emit)
                line += 1
            case .carriageReturn:
                pendingCR = true
            case .quote where field.isEmpty:
                inQuotes = true
                rowHasContent = true
            default:
                field.append(byte)
                rowHasContent = true
            }
        }
    }

    public mutating func feed(
        _ bytes: [UInt8], _ emit: (AnnotatedCSVEvent) throws(AnnotatedCSVError) -> Void
    ) throws(AnnotatedCSVError) {
        var failure: AnnotatedCSVError?
        bytes.withUnsafeBytes { buffer in
            do throws(AnnotatedCSVError) {
                try feed(buffer, emit)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }

    /// Ends the input: a last row without a final newline still counts.
    public mutating func finish(_ emit: (AnnotatedCSVEvent) throws(AnnotatedCSVError) -> Void) throws(AnnotatedCSVError)
    {
        if inQuotes && !quoteSeen { throw .malformed(line: rowLine, reason: "unterminated quoted field") }
        inQuotes = false
        quoteSeen = false
        pendingCR = false
        if rowHasContent || !row.isEmpty || !field.isEmpty { try endRow(emit) }
    }

    private mutating func endField() {
        row.append(String(decoding: field, as: UTF8.self))
        field.removeAll(keepingCapacity: true)
        rowHasContent = true
    }

    private mutating func endRow(_ emit: (AnnotatedCSVEvent) throws(AnnotatedCSVError) -> Void)
        throws(AnnotatedCSVError)
    {
        defer {
            row.removeAll(keepingCapacity: true)
            rowHasContent = false
            rowLine = line + 1
        }
        guard rowHasContent || !field.isEmpty else {
            endBlock()  // a blank line separates blocks
            return
        }
        endField()
        try process(row, emit)
    }

    private mutating func endBlock() {
        datatypes = nil
        groups = nil
        defaults = nil
        header = nil
        isErrorBlock = false
        current = nil
    }

    private mutating func process(
        _ cells: [String], _ emit: (AnnotatedCSVEvent) throws(AnnotatedCSVError) -> Void
    ) throws(AnnotatedCSVError) {
        let first = cells[0]
        if first.hasPrefix("#") {
            if header != nil { endBlock() }  // annotations after data start a new block
            let values = Array(cells.dropFirst())
            switch first {
            case "#datatype": datatypes = values
            case "#group": groups = values
            case "#default": defaults = values
            default: break  // unknown annotations are ignored, as Flux's own decoder does
            }
            return
        }
        guard let header else {
            guard first.isEmpty else {
                throw .malformed(line: rowLine, reason: "header row must start with the empty annotation column")
            }
            let names = Array(cells.dropFirst())
            self.header = names
            isErrorBlock = names.first == "error"
            resultColumn = names.firstIndex(of: "result")
            tableColumn = names.firstIndex(of: "table")
            return
        }
        let values = Array(cells.dropFirst())
        guard values.count == header.count else {
            throw .malformed(line: rowLine, reason: "row has \(values.count) cells, header has \(header.count)")
        }
        if isErrorBlock {
            let message = values[0].isEmpty ? defaults?.first ?? "" : values[0]
            let referenceIndex = header.firstIndex(of: "reference")
            throw .query(message: message, reference: referenceIndex.map { values[$0] } ?? "")
        }
        let table = try tableIdentity(values)
        if current?.table != table.table || current?.result != table.result {
            current = table
            try emit(.table(table))
        }
        var record: [CSVValue] = []
        record.reserveCapacity(values.count)
        for (index, column) in table.columns.enumerated() {
            let text = values[index].isEmpty ? column.defaultValue : values[index]
            record.append(try Self.value(text, type: column.type, line: rowLine))
        }
        try emit(.record(record))
    }

    private func tableIdentity(_ values: [String]) throws(AnnotatedCSVError) -> CSVTable {
        let header = self.header ?? []
        func cell(_ index: Int?) -> String {
            guard let index else { return "" }
            return values[index].isEmpty ? defaults?[safe: index] ?? "" : values[index]
        }
        let tableText = cell(tableColumn)
        guard tableText.isEmpty || Int64(tableText) != nil else {
            throw .malformed(line: rowLine, reason: "table id '\(tableText)' is not an integer")
        }
        let columns = header.indices.map { index in
            CSVColumn(
                name: header[index], type: datatypes?[safe: index] ?? "string",
                group: groups?[safe: index] == "true", defaultValue: defaults?[safe: index] ?? "")
        }
        return CSVTable(result: cell(resultColumn), table: Int64(tableText) ?? 0, columns: columns)
    }

    /// Converts one cell by its `#datatype`; an empty cell (after defaults) is null.
    static func value(_ text: String, type: String, line: Int) throws(AnnotatedCSVError) -> CSVValue {
        guard !text.isEmpty else { return .null }
        func bad() -> AnnotatedCSVError { .malformed(line: line, reason: "'\(text)' is not a valid \(type)") }
        switch type {
        case "string": return .string(text)
        case "long":
            guard let value = Int64(text) else { throw bad() }
            return .long(value)
        case "unsignedLong":
            guard let value = UInt64(text) else { throw bad() }
            return .unsignedLong(value)
        case "double":
            switch text {
            case "NaN": return .double(.nan)
            case "+Inf", "Inf": return .double(.infinity)
            case "-Inf": return .double(-.infinity)
            default:
                guard let value = Double(text), value.isFinite else { throw bad() }
                return .double(value)
            }
        case "boolean":
            switch text {
            case "true": return .boolean(true)
            case "false": return .boolean(false)
            default: throw bad()
            }
        case "dateTime:RFC3339", "dateTime:RFC3339Nano", "dateTime":
            guard let value = Timestamp(rfc3339: text) else { throw bad() }
            return .dateTime(value)
        case "duration": return .duration(text)
        case "base64Binary": return .base64Binary(text)
        default: return .string(text)  // an unknown type keeps its text rather than failing the query
        }
    }
}

extension Array {
    fileprivate subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}

extension UInt8 {
    fileprivate static let comma = UInt8(ascii: ",")
    fileprivate static let quote = UInt8(ascii: "\"")
    fileprivate static let newline = UInt8(ascii: "\n")
    fileprivate static let carriageReturn = UInt8(ascii: "\r")
}
