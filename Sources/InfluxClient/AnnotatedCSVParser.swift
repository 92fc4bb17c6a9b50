import Glibc

/// A push parser for Flux's annotated CSV (RFC 4180 quoting; `#datatype`, `#group`, `#default`).
///
/// Bytes go in as they arrive from the network, in chunks of any size; events come out row by row,
/// so memory stays bounded by the longest row whatever the size of the response. Rows are parsed in
/// place from the chunk (only a row cut by a chunk boundary is copied), numbers and times are read
/// straight from the bytes, and a string cell equal to the same column's previous one reuses its
/// String: group-key columns repeat on every row of a table.
public struct AnnotatedCSVParser {
    /// The start of a row whose end has not arrived yet.
    private var carry: [UInt8] = []
    private var carryState = CSVRowScanner.QuoteState.fieldStart
    private var line = 1

    // The current block: annotations, header, and what follows from them.
    private var annotations = CSVAnnotations()
    private var header: [String]?
    private var isErrorBlock = false
    private var kinds: [CSVColumnKind] = []
    private var defaultValues: [CSVValue] = []
    private var columns: [CSVColumn] = []
    /// The current table's identity, kept apart from its columns so the per-row check copies nothing.
    private var currentTable: (result: String, table: Int64)?
    private var resultColumn: Int?
    private var tableColumn: Int?
    /// Whether the result or table cell may differ from the last row's, so a new table may start.
    private var tableKeyChanged = true

    // Reused per row.
    private var fields: [Range<Int>] = []
    private var unquoted: [UInt8] = []
    private var record: [CSVValue] = []
    /// Per column: whether to remember its last cell, and that cell's bytes and value.
    private var cached: [Bool] = []
    /// `cacheSlot` bytes per column; a longer cell is converted every time.
    private var lastBytes: [UInt8] = []
    private var lastLengths: [Int] = []
    private var dateCache = Timestamp.DateCache()
    private static let cacheSlot = 48

    public init() {}

    public mutating func feed(
        _ bytes: [UInt8], _ emit: (AnnotatedCSVEvent) throws(AnnotatedCSVError) -> Void
    ) throws(AnnotatedCSVError) {
        try withBytes(of: bytes) { buffer throws(AnnotatedCSVError) in try feed(buffer, emit) }
    }

    public mutating func feed(
        _ bytes: UnsafeRawBufferPointer, _ emit: (AnnotatedCSVEvent) throws(AnnotatedCSVError) -> Void
    ) throws(AnnotatedCSVError) {
        var start = 0
        if !carry.isEmpty || carryState != .fieldStart {
            // Finish the row that the previous chunk cut, then go on in place.
            var state = carryState
            guard let end = CSVRowScanner.rowEnd(bytes, from: 0, state: &state) else {
                carry += bytes
                carryState = state
                return
            }
            carry += bytes[0..<end]
            carryState = .fieldStart
            let row = carry
            carry.removeAll(keepingCapacity: true)
            try withBytes(of: row) { row throws(AnnotatedCSVError) in try process(row, emit) }
            start = end + 1
        }
        while start < bytes.count {
            // Nearly every row is a data row without quotes: one pass splits and converts it.
            if header != nil, !isErrorBlock, let end = parseDataRow(bytes, from: start) {
                line += 1
                try emitTableIfNew(line: line - 1, emit)
                try emit(.record(record))
                start = end + 1
                continue
            }
            var state = CSVRowScanner.QuoteState.fieldStart
            guard let end = CSVRowScanner.rowEnd(bytes, from: start, state: &state) else {
                carry += bytes[start...]
                carryState = state
                return
            }
            try process(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), emit)
            start = end + 1
        }
    }

    /// Ends the input: a last row without a final newline still counts.
    public mutating func finish(_ emit: (AnnotatedCSVEvent) throws(AnnotatedCSVError) -> Void) throws(AnnotatedCSVError)
    {
        if carryState == .quoted { throw .malformed(line: line, reason: "unterminated quoted field") }
        if !carry.isEmpty {
            let row = carry
            carry.removeAll()
            carryState = .fieldStart
            try withBytes(of: row) { row throws(AnnotatedCSVError) in try process(row, emit) }
        }
        try endBlock(emit)
    }

    // MARK: Rows and fields

    /// What one marker byte (`,` `"` or a newline) means for the fast path's row.
    private enum RowProgress {
        case goOn
        case complete(newline: Int)
        /// Quoted, the wrong width, or a cell that does not convert: read the row the general way.
        case generalPath
    }

    /// Converts the data row at `start` straight into `record` and returns its newline's offset; nil
    /// when the row is anything else (quoted, an annotation, blank, the wrong width, unfinished, or a
    /// cell that does not convert), which the general path then reads from the start, so errors are
    /// the same however the input was split (found by the fuzzer: a bad cell before a width error).
    private mutating func parseDataRow(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        let base = bytes.baseAddress!
        let end = bytes.count
        let columnCount = kinds.count
        // Data rows begin with the empty annotation column.
        guard start < end, base.load(fromByteOffset: start, as: UInt8.self) == .comma, columnCount > 0 else {
            return nil
        }
        var column = 0
        var fieldStart = start + 1
        var index = start + 1
        /// Handles the marker at `position`: the row goes on, is complete, or is left to the general path.
        func visit(_ position: Int) -> RowProgress {
            switch base.load(fromByteOffset: position, as: UInt8.self) {
            case .comma:
                guard column < columnCount - 1,
                    (try? store(
                        UnsafeRawBufferPointer(start: base + fieldStart, count: position - fieldStart), column: column,
                        line: line)) != nil
                else { return .generalPath }
                column += 1
                fieldStart = position + 1
                return .goOn
            case .newline:
                guard column == columnCount - 1 else { return .generalPath }
                var fieldEnd = position
                if fieldEnd > fieldStart && base.load(fromByteOffset: fieldEnd - 1, as: UInt8.self) == .carriageReturn {
                    fieldEnd -= 1
                }
                guard
                    (try? store(
                        UnsafeRawBufferPointer(start: base + fieldStart, count: fieldEnd - fieldStart), column: column,
                        line: line)) != nil
                else { return .generalPath }
                return .complete(newline: position)
            default:
                return .generalPath  // a quote
            }
        }
        // Eight bytes at a time: an exact mask of the bytes that are `,` `"` or a newline.
        while index + 8 <= end {
            var mask = CSVRowScanner.markerMask(base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            while mask != 0 {
                switch visit(index + mask.trailingZeroBitCount >> 3) {
                case .goOn: break
                case .complete(let newline): return newline
                case .generalPath: return nil
                }
                mask &= mask &- 1
            }
            index += 8
        }
        while index < end {
            let byte = base.load(fromByteOffset: index, as: UInt8.self)
            if byte == .comma || byte == .newline || byte == .quote {
                switch visit(index) {
                case .goOn: break
                case .complete(let newline): return newline
                case .generalPath: return nil
                }
            }
            index += 1
        }
        return nil  // the row continues in the next chunk
    }

    private mutating func process(
        _ rawRow: UnsafeRawBufferPointer, _ emit: (AnnotatedCSVEvent) throws(AnnotatedCSVError) -> Void
    ) throws(AnnotatedCSVError) {
        let rowLine = line
        var row = rawRow
        if row.last == .carriageReturn { row = UnsafeRawBufferPointer(rebasing: row.dropLast()) }
        guard !row.isEmpty else {
            line += 1
            try endBlock(emit)  // a blank line separates blocks
            return
        }
        fields.removeAll(keepingCapacity: true)
        if CSVRowScanner.find(.quote, in: row, from: 0, to: row.count) != nil {
            splitQuoted(row)
            line += 1 + row.reduce(0) { $0 + ($1 == .newline ? 1 : 0) }
            let cells = unquoted
            try withBytes(of: cells) { cells throws(AnnotatedCSVError) in try process(cells, line: rowLine, emit) }
        } else {
            var fieldStart = 0
            while let comma = CSVRowScanner.find(.comma, in: row, from: fieldStart, to: row.count) {
                fields.append(fieldStart..<comma)
                fieldStart = comma + 1
            }
            fields.append(fieldStart..<row.count)
            line += 1
            try process(row, line: rowLine, emit)
        }
    }

    /// Fields of a row with quotes, unescaped into `unquoted`; `fields` index into it.
    private mutating func splitQuoted(_ row: UnsafeRawBufferPointer) {
        unquoted.removeAll(keepingCapacity: true)
        var state = CSVRowScanner.QuoteState.fieldStart
        var fieldStart = 0
        for byte in row {
            let before = state
            state.advance(byte)
            switch (before, byte) {
            case (.fieldStart, .quote), (.quoted, .quote):
                break  // an opening quote, or the first of two
            case (.quoteInQuoted, .quote):
                unquoted.append(.quote)
            case (.fieldStart, .comma), (.unquoted, .comma), (.quoteInQuoted, .comma):
                fields.append(fieldStart..<unquoted.count)
                fieldStart = unquoted.count
            default:
                unquoted.append(byte)
            }
        }
        fields.append(fieldStart..<unquoted.count)
    }

    // MARK: Meaning

    /// The block is over. One that had a header and no rows is a table with zero records: that is
    /// how Flux's encoder sends a group key without rows, the key's values in `#default`.
    private mutating func endBlock(
        _ emit: (AnnotatedCSVEvent) throws(AnnotatedCSVError) -> Void
    ) throws(AnnotatedCSVError) {
        if header != nil, !isErrorBlock, currentTable == nil {
            record = defaultValues
            tableKeyChanged = true
            try emitTableIfNew(line: line, emit)
        }
        annotations = CSVAnnotations()
        header = nil
        isErrorBlock = false
        currentTable = nil
    }

    private func text(_ cells: UnsafeRawBufferPointer, _ index: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: cells[fields[index]]), as: UTF8.self)
    }

    private mutating func process(
        _ cells: UnsafeRawBufferPointer, line rowLine: Int,
        _ emit: (AnnotatedCSVEvent) throws(AnnotatedCSVError) -> Void
    ) throws(AnnotatedCSVError) {
        let firstCell = cells[fields[0]]
        if firstCell.first == UInt8(ascii: "#") {
            if header != nil { try endBlock(emit) }  // annotations after data start a new block
            annotations.record(text(cells, 0), values: (1..<fields.count).map { text(cells, $0) })
            return
        }
        guard header != nil else {
            guard firstCell.isEmpty else {
                throw .malformed(line: rowLine, reason: "header row must start with the empty annotation column")
            }
            try startBlock(names: (1..<fields.count).map { text(cells, $0) }, line: rowLine)
            return
        }
        let columnCount = kinds.count
        guard fields.count - 1 == columnCount else {
            throw .malformed(line: rowLine, reason: "row has \(fields.count - 1) cells, header has \(columnCount)")
        }
        if isErrorBlock {
            let message = fields[1].isEmpty ? annotations.firstDefault ?? "" : text(cells, 1)
            let reference = header?.firstIndex(of: "reference").map { text(cells, $0 + 1) } ?? ""
            throw .query(message: message, reference: reference)
        }
        // The record array is reused row after row; it is unique again once `emit` returns.
        for column in 0..<columnCount {
            let cell = UnsafeRawBufferPointer(rebasing: cells[fields[column + 1]])
            try store(cell, column: column, line: rowLine)
        }
        try emitTableIfNew(line: rowLine, emit)
        try emit(.record(record))
    }

    private mutating func startBlock(names: [String], line: Int) throws(AnnotatedCSVError) {
        header = names
        isErrorBlock = names.first == "error"
        resultColumn = names.firstIndex(of: "result")
        tableColumn = names.firstIndex(of: "table")
        tableKeyChanged = true
        columns = annotations.columns(named: names)
        kinds = columns.map { CSVColumnKind($0.type) }
        // Strings and group-key columns repeat row after row; numbers and times of readings do not.
        cached = columns.indices.map { index in
            columns[index].group || [.string, .other, .duration, .base64Binary].contains(kinds[index])
        }
        lastBytes = Array(repeating: 0, count: names.count * Self.cacheSlot)
        lastLengths = Array(repeating: -1, count: names.count)
        record = Array(repeating: .null, count: names.count)
        defaultValues = []
        for (index, column) in columns.enumerated() {
            let value = Array(column.defaultValue.utf8).withUnsafeBytes { kinds[index].decode($0) }
            guard let value else {
                throw .malformed(line: line, reason: "default '\(column.defaultValue)' is not a valid \(column.type)")
            }
            defaultValues.append(value)
        }
    }

    private mutating func emitTableIfNew(
        line: Int, _ emit: (AnnotatedCSVEvent) throws(AnnotatedCSVError) -> Void
    ) throws(AnnotatedCSVError) {
        guard tableKeyChanged || currentTable == nil else { return }  // the same table as the last row
        tableKeyChanged = false
        var result = ""
        if let resultColumn, case .string(let name) = record[resultColumn] { result = name }
        var table: Int64 = 0
        if let tableColumn {
            switch record[tableColumn] {
            case .long(let id): table = id
            case .null: break
            case .string(let text):
                guard let id = Int64(text) else {
                    throw .malformed(line: line, reason: "table id '\(text)' is not an integer")
                }
                table = id
            default: throw .malformed(line: line, reason: "table id is not an integer")
            }
        }
        if let currentTable, currentTable.table == table, currentTable.result == result { return }
        currentTable = (result, table)
        try emit(.table(CSVTable(result: result, table: table, columns: columns)))
    }

    /// Converts one cell into `record[column]`; an empty cell takes the column's default, or null.
    /// A cached column whose bytes equal its previous cell's keeps the value already in `record`.
    @inline(__always) private mutating func store(_ cell: UnsafeRawBufferPointer, column: Int, line: Int)
        throws(AnnotatedCSVError)
    {
        guard !cell.isEmpty else {
            set(defaultValues[column], column: column)
            lastLengths[column] = -1  // `record` no longer holds the cached cell's value
            return
        }
        guard cached[column], cell.count <= Self.cacheSlot else {
            set(try convert(cell, column: column, line: line), column: column)
            return
        }
        let slot = column * Self.cacheSlot
        if lastLengths[column] == cell.count,
            lastBytes.withUnsafeBytes({
                CSVRowScanner.equal($0.baseAddress! + slot, cell.baseAddress!, count: cell.count)
            })
        {
            return
        }
        set(try convert(cell, column: column, line: line), column: column)
        lastBytes.withUnsafeMutableBytes {
            $0.baseAddress!.advanced(by: slot).copyMemory(from: cell.baseAddress!, byteCount: cell.count)
        }
        lastLengths[column] = cell.count
    }

    @inline(__always) private mutating func set(_ value: CSVValue, column: Int) {
        record[column] = value
        if column == tableColumn || column == resultColumn { tableKeyChanged = true }
    }

    private mutating func convert(_ cell: UnsafeRawBufferPointer, column: Int, line: Int) throws(AnnotatedCSVError)
        -> CSVValue
    {
        let kind = kinds[column]
        let converted =
            kind == .dateTime && !cell.isEmpty
            ? Timestamp.parse(cell, dateCache: &dateCache).map(CSVValue.dateTime) : kind.decode(cell)
        if let value = converted { return value }
        let text = String(decoding: cell, as: UTF8.self)
        throw .malformed(line: line, reason: "'\(text)' is not a valid \(columns[column].type)")
    }
}
