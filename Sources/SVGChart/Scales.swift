import Glibc

/// Tick positions people read easily: 1, 2 or 5 times a power of ten for values; whole minutes,
/// hours or days for time.
enum Ticks {
    static func nice(lower: Double, upper: Double, count: Int = 4) -> (lower: Double, upper: Double, step: Double) {
        var low = lower
        var high = upper
        if high - low < 1e-9 {
            low -= 1
            high += 1
        }
        let rough = (high - low) / Double(count)
        let magnitude = pow(10, (Glibc.log10(rough)).rounded(.down))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        return ((low / step).rounded(.down) * step, (high / step).rounded(.up) * step, step)
    }

    static let timeSteps: [Double] = [
        60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172_800, 604_800,
    ]

    /// A step giving at most `count` ticks across the range, and the ticks themselves (UTC-aligned).
    static func time(start: Double, end: Double, count: Int = 7) -> (step: Double, ticks: [Double]) {
        let step = timeSteps.first { (end - start) / $0 <= Double(count) } ?? 604_800
        var tick = (start / step).rounded(.up) * step
        var ticks: [Double] = []
        while tick <= end {
            ticks.append(tick)
            tick += step
        }
        return (step, ticks)
    }
}

/// Compact number text for SVG: integers without a fraction, otherwise one decimal.
func compact(_ value: Double) -> String {
    let rounded = (value * 10).rounded() / 10
    if rounded == rounded.rounded() { return String(Int(rounded)) }
    return String(rounded)
}

/// Axis label text: up to three significant decimals, no trailing zeros.
func label(_ value: Double) -> String {
    if value == value.rounded() && abs(value) < 1e15 { return String(Int(value)) }
    var text = String((value * 1000).rounded() / 1000)
    if text.contains(".") {
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
    }
    return text
}
