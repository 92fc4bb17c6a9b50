/// M4 reduction: per pixel column, keep the first, last, minimum and maximum points. A line drawn
/// through them looks the same as one through all points, so output grows with width, not data.
enum M4 {
    static func reduce(_ series: ChartSeries, start: Double, end: Double, columns: Int) -> [(Double, Double)] {
        guard series.times.count > 4 * columns else { return Array(zip(series.times, series.values)) }
        var kept: [(Double, Double)] = []
        kept.reserveCapacity(4 * columns)
        let scale = Double(columns) / max(end - start, 1e-9)
        var index = 0
        let count = series.times.count
        while index < count {
            let column = Int(((series.times[index] - start) * scale).rounded(.down))
            let first = index
            var last = index
            var low = index
            var high = index
            index += 1
            while index < count, Int(((series.times[index] - start) * scale).rounded(.down)) == column {
                if series.values[index] < series.values[low] { low = index }
                if series.values[index] > series.values[high] { high = index }
                last = index
                index += 1
            }
            for position in Set([first, low, high, last]).sorted() {
                kept.append((series.times[position], series.values[position]))
            }
        }
        return kept
    }
}
