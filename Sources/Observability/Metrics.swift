import Synchronization

/// Counters and gauges rendered in the Prometheus text exposition format.
///
/// One registry per process; every module that can fail counts its failures here so `/metrics`
/// shows them. Lookups are by name plus sorted labels under one mutex: cheap next to any I/O.
public final class Metrics: Sendable {
    public enum Kind: String, Sendable { case counter, gauge, histogram }

    /// Upper bounds (seconds) of the latency histogram buckets.
    public static let latencyBuckets: [Double] = [
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]

    private struct Family {
        var help: String
        var kind: Kind
        var samples: [String: Int] = [:]  // rendered label set -> slot in `Registry.values`
        var histograms: [String: Int] = [:]  // rendered label set -> slot in `Registry.histograms`
    }

    /// Counts per bucket (not cumulative; rendering adds them up), so an observation is one increment.
    private struct Histogram {
        var bucketCounts = [Double](repeating: 0, count: Metrics.latencyBuckets.count)
        var count: Double = 0
        var sum: Double = 0

        mutating func record(_ value: Double, inBucket bucket: Int?) {
            if let bucket { bucketCounts[bucket] += 1 }
            count += 1
            sum += value
        }
    }

    /// Names and label sets find their slot once; a resolved `Series` updates its slot directly.
    private struct Registry {
        var families: [String: Family] = [:]
        var values: [Double] = []
        var histograms: [Histogram] = []

        mutating func valueSlot(_ name: String, _ labels: String, kind: Kind) -> Int {
            if let slot = families[name]?.samples[labels] { return slot }
            values.append(0)
            families[name, default: Family(help: name, kind: kind)].samples[labels] = values.count - 1
            return values.count - 1
        }

        mutating func histogramSlot(_ name: String, _ labels: String) -> Int {
            if let slot = families[name]?.histograms[labels] { return slot }
            histograms.append(Histogram())
            families[name, default: Family(help: name, kind: .histogram)].histograms[labels] = histograms.count - 1
            return histograms.count - 1
        }
    }

    private let registry = Mutex(Registry())
    private let renderHooks = Mutex<[@Sendable () -> Void]>([])

    public init() {}

    /// Declares a metric so it renders (with value 0 when unlabelled) before anything happened; a
    /// series resolved before its family was described keeps its slot and gets the help text.
    public func describe(_ name: String, _ kind: Kind, help: String) {
        registry.withLock { registry in
            registry.families[name, default: Family(help: help, kind: kind)].help = help
            registry.families[name]?.kind = kind
        }
    }

    /// One counter with its labels, resolved once: hot paths keep it and skip the name and label
    /// lookups (each was a few string hashes per request).
    public struct Series: Sendable {
        fileprivate let slot: Int
    }

    /// One histogram with its labels, resolved once.
    public struct HistogramSeries: Sendable {
        fileprivate let slot: Int
    }

    public func series(_ name: String, _ labels: [String: String] = [:]) -> Series {
        let labels = Self.labelText(labels)
        return Series(slot: registry.withLock { $0.valueSlot(name, labels, kind: .counter) })
    }

    public func histogram(_ name: String, _ labels: [String: String] = [:]) -> HistogramSeries {
        let labels = Self.labelText(labels)
        return HistogramSeries(slot: registry.withLock { $0.histogramSlot(name, labels) })
    }

    public func increment(_ name: String, _ labels: [String: String] = [:], by amount: Double = 1) {
        increment(series(name, labels), by: amount)
    }

    public func increment(_ series: Series, by amount: Double = 1) {
        registry.withLock { $0.values[series.slot] += amount }
    }

    public func set(_ name: String, _ labels: [String: String] = [:], to value: Double) {
        let key = Self.labelText(labels)
        registry.withLock { registry in
            registry.values[registry.valueSlot(name, key, kind: .gauge)] = value
        }
    }

    /// Sets one sample and drops the family's others: for "info" gauges whose labels carry the
    /// current state (such as the last error's message). The family keeps its one slot.
    public func replace(_ name: String, _ labels: [String: String], with value: Double) {
        let key = Self.labelText(labels)
        registry.withLock { registry in
            let slot = registry.families[name]?.samples.values.first ?? registry.valueSlot(name, key, kind: .gauge)
            registry.families[name]?.samples = [key: slot]
            registry.values[slot] = value
        }
    }

    /// Records one observation in a histogram (cumulative `_bucket{le}`, `_sum`, `_count`).
    public func observe(_ name: String, _ labels: [String: String] = [:], value: Double) {
        observe(histogram(name, labels), value: value)
    }

    public func observe(_ series: HistogramSeries, value: Double) {
        let bucket = Self.latencyBuckets.firstIndex { value <= $0 }
        registry.withLock { $0.histograms[series.slot].record(value, inBucket: bucket) }
    }

    /// Runs `hook` before every render, to refresh gauges that are read rather than pushed
    /// (such as the age of the oldest buffered reading).
    public func onRender(_ hook: @escaping @Sendable () -> Void) {
        renderHooks.withLock { $0.append(hook) }
    }

    /// The whole registry in Prometheus text format 0.0.4.
    public func render() -> String {
        for hook in renderHooks.withLock({ $0 }) { hook() }
        let snapshot = registry.withLock { $0 }
        var text = ""
        for name in snapshot.families.keys.sorted() {
            let family = snapshot.families[name]!
            text += "# HELP \(name) \(family.help)\n# TYPE \(name) \(family.kind.rawValue)\n"
            if family.samples.isEmpty && family.histograms.isEmpty {
                text += "\(name) 0\n"
            }
            for labels in family.samples.keys.sorted() {
                text += "\(name)\(labels) \(Self.number(snapshot.values[family.samples[labels]!]))\n"
            }
            for labels in family.histograms.keys.sorted() {
                text += Self.render(snapshot.histograms[family.histograms[labels]!], name: name, labels: labels)
            }
        }
        return text
    }

    /// `_bucket{…,le="…"}` lines (cumulative), then `_sum` and `_count`.
    private static func render(_ histogram: Histogram, name: String, labels: String) -> String {
        let prefix = labels.isEmpty ? "{" : labels.dropLast() + ","
        var text = ""
        var cumulative: Double = 0
        for (bound, count) in zip(latencyBuckets, histogram.bucketCounts) {
            cumulative += count
            text += "\(name)_bucket\(prefix)le=\"\(number(bound))\"} \(number(cumulative))\n"
        }
        text += "\(name)_bucket\(prefix)le=\"+Inf\"} \(number(histogram.count))\n"
        text += "\(name)_sum\(labels) \(number(histogram.sum))\n"
        text += "\(name)_count\(labels) \(number(histogram.count))\n"
        return text
    }

    static func labelText(_ labels: [String: String]) -> String {
        guard !labels.isEmpty else { return "" }
        var text = "{"
        for (key, value) in labels.sorted(by: { $0.key < $1.key }) {
            if text.utf8.count > 1 { text += "," }
            text += key
            text += "=\""
            text += escapeLabelValue(value)
            text += "\""
        }
        return text + "}"
    }

    /// Label values may hold anything; the format allows only `\\`, `\"` and `\n` escapes.
    public static func escapeLabelValue(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == 0x5C || $0 == 0x22 || $0 == 0x0A }) else { return value }
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
