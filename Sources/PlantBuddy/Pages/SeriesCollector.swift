import InfluxClient

/// Turns annotated-CSV tables with `_time`, `_value`, `_measurement` and `device_id` into series.
struct SeriesCollector {
    private var collected: [ReadingSeries] = []
    /// Every table that had readings, in the order they arrived.
    var series: [ReadingSeries] { collected.filter { !$0.times.isEmpty } }
    private var columns: (time: Int, value: Int)?

    mutating func add(_ event: AnnotatedCSVEvent) {
        switch event {
        case .table(let table):
            let names = table.columns.map(\.name)
            guard let time = names.firstIndex(of: "_time"), let value = names.firstIndex(of: "_value") else {
                columns = nil
                return
            }
            columns = (time, value)
            // Group-key columns are constant within a table, so the first row names the series.
            collected.append(ReadingSeries(measurement: "", deviceID: "", times: [], values: []))
            measurementColumn = names.firstIndex(of: "_measurement")
            deviceColumn = names.firstIndex(of: "device_id")
        case .record(let values):
            guard let columns, !collected.isEmpty else { return }
            guard case .dateTime(let time) = values[columns.time], let value = Self.number(values[columns.value]) else {
                return
            }
            let last = collected.count - 1
            if collected[last].times.isEmpty {
                collected[last].measurement = Self.text(values, measurementColumn)
                collected[last].deviceID = Self.text(values, deviceColumn)
            }
            collected[last].times.append(Double(time.seconds) + Double(time.nanoseconds) / 1e9)
            collected[last].values.append(value)
        }
    }

    private var measurementColumn: Int?
    private var deviceColumn: Int?

    private static func number(_ value: CSVValue) -> Double? {
        switch value {
        case .double(let number): number
        case .long(let number): Double(number)
        case .unsignedLong(let number): Double(number)
        default: nil
        }
    }

    private static func text(_ values: [CSVValue], _ index: Int?) -> String {
        guard let index, case .string(let text) = values[index] else { return "" }
        return text
    }
}
