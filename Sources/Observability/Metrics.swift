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

    public func increment(_ name: String, _ labels: [String: String] = [:], by amount: Double = 1) {
        update(name, labels, kind: .counter) { $0 += amount }
    }

    public func set(_ name: String, _ labels: [String: String] = [:], to value: Double) {
        update(name, labels, kind: .gauge) { $0 = value }
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
        families.withLock { families in
            var family = families[name, default: Family(help: name, kind: .histogram)]
            for bound in Self.latencyBuckets where value <= bound {
                family.samples[Self.labelText(labels.merging(["le": Self.number(bound)]) { $1 }), default: 0] += 1
            }
            family.samples[Self.labelText(labels.merging(["le": "+Inf"]) { $1 }), default: 0] += 1
            family.samples["_sum" + Self.labelText(labels), default: 0] += value
            family.samples["_count" + Self.labelText(labels), default: 0] += 1
            families[name] = family
        }
    }

    /// `kind` applies only to a family nobody described first.
    private func update(_ name: String, _ labels: [String: String], kind: Kind, _ change: (inout Double) -> Void) {
        let key = Self.labelText(labels)
        families.withLock { families in
            change(&families[name, default: Family(help: name, kind: kind)].samples[key, default: 0])
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
            if family.samples.isEmpty {
                text += "\(name) 0\n"
            }
            for labels in family.samples.keys.sorted() {
                // Histogram series: buckets are keyed by labels, `_sum`/`_count` by a suffix.
                let suffix = family.kind == .histogram ? (labels.hasPrefix("_") ? "" : "_bucket") : ""
                text += "\(name)\(suffix)\(labels) \(Self.number(family.samples[labels]!))\n"
            }
        }
        return text
    }

    static func labelText(_ labels: [String: String]) -> String {
        guard !labels.isEmpty else { return "" }
        let pairs = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\(escapeLabelValue($0.value))\"" }
        return "{" + pairs.joined(separator: ",") + "}"
    }

    /// Label values may hold anything; the format allows only `\\`, `\"` and `\n` escapes.
    public static func escapeLabelValue(_ value: String) -> String {
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
