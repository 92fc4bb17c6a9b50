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
        var samples: [String: Double] = [:]  // rendered label set -> value
        var histograms: [String: Histogram] = [:]  // rendered label set -> observations
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

    private let families = Mutex<[String: Family]>([:])
    private let renderHooks = Mutex<[@Sendable () -> Void]>([])

    public init() {}

    /// Declares a metric so it renders (with value 0 when unlabelled) before anything happened.
    public func describe(_ name: String, _ kind: Kind, help: String) {
        families.withLock { families in
            if families[name] == nil {
                families[name] = Family(help: help, kind: kind)
            }
        }
    }

    /// One metric with its labels, rendered once: hot paths resolve it ahead and skip the label work.
    public struct Series: Hashable, Sendable {
        let name: String
        let labels: String
    }

    public func series(_ name: String, _ labels: [String: String] = [:]) -> Series {
        Series(name: name, labels: Self.labelText(labels))
    }

    public func increment(_ name: String, _ labels: [String: String] = [:], by amount: Double = 1) {
        increment(series(name, labels), by: amount)
    }

    public func increment(_ series: Series, by amount: Double = 1) {
        families.withLock { families in
            families[series.name, default: Family(help: series.name, kind: .counter)].samples[
                series.labels, default: 0] +=
                amount
        }
    }

    public func set(_ name: String, _ labels: [String: String] = [:], to value: Double) {
        let key = Self.labelText(labels)
        families.withLock { families in
            families[name, default: Family(help: name, kind: .gauge)].samples[key] = value
        }
    }

    /// Sets one sample and drops the family's others: for "info" gauges whose labels carry the
    /// current state (such as the last error's message).
    public func replace(_ name: String, _ labels: [String: String], with value: Double) {
        let key = Self.labelText(labels)
        families.withLock { families in
            families[name, default: Family(help: name, kind: .gauge)].samples = [key: value]
        }
    }

    /// Records one observation in a histogram (cumulative `_bucket{le}`, `_sum`, `_count`).
    public func observe(_ name: String, _ labels: [String: String] = [:], value: Double) {
        observe(series(name, labels), value: value)
    }

    public func observe(_ series: Series, value: Double) {
        let bucket = Self.latencyBuckets.firstIndex { value <= $0 }
        families.withLock { families in
            families[series.name, default: Family(help: series.name, kind: .histogram)]
                .histograms[series.labels, default: Histogram()].record(value, inBucket: bucket)
        }
    }

    /// Runs `hook` before every render, to refresh gauges that are read rather than pushed
    /// (such as the age of the oldest buffered reading).
    public func onRender(_ hook: @escaping @Sendable () -> Void) {
        renderHooks.withLock { $0.append(hook) }
    }

    /// The whole registry in Prometheus text format 0.0.4.
    public func render() -> String {
        for hook in renderHooks.withLock({ $0 }) { hook() }
        let snapshot = families.withLock { $0 }
        var text = ""
        for name in snapshot.keys.sorted() {
            let family = snapshot[name]!
            text += "# HELP \(name) \(family.help)\n# TYPE \(name) \(family.kind.rawValue)\n"
            if family.samples.isEmpty && family.histograms.isEmpty {
                text += "\(name) 0\n"
            }
            for labels in family.samples.keys.sorted() {
                text += "\(name)\(labels) \(Self.number(family.samples[labels]!))\n"
            }
            for labels in family.histograms.keys.sorted() {
                text += Self.render(family.histograms[labels]!, name: name, labels: labels)
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
