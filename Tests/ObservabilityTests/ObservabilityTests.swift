import Foundation
import Observability
import Synchronization
import Testing

private final class Lines: Sendable {
    let captured = Mutex<[String]>([])
}

@Suite struct ObservabilityTests {
    @Test func metricsRenderInPrometheusTextFormat() {
        let metrics = Metrics()
        metrics.describe("requests_total", .counter, help: "Requests.")
        metrics.describe("idle_total", .counter, help: "Never touched.")
        metrics.increment("requests_total", ["route": "/write", "status": "204"], by: 2)
        metrics.increment("requests_total", ["status": "400", "route": "/write"])
        metrics.set("depth", to: 1.5)
        #expect(
            metrics.render() == """
                # HELP depth depth
                # TYPE depth gauge
                depth 1.5
                # HELP idle_total Never touched.
                # TYPE idle_total counter
                idle_total 0
                # HELP requests_total Requests.
                # TYPE requests_total counter
                requests_total{route="/write",status="204"} 2
                requests_total{route="/write",status="400"} 1

                """)
    }

    @Test func labelValuesAreEscapedAndReplaceKeepsOneSample() {
        let metrics = Metrics()
        metrics.describe("last_error_info", .gauge, help: "Last error.")
        metrics.replace("last_error_info", ["error": "first"], with: 1)
        metrics.replace("last_error_info", ["error": "say \"no\"\\\nnow"], with: 1)
        #expect(metrics.render().contains(#"last_error_info{error="say \"no\"\\\nnow"} 1"#))
        #expect(!metrics.render().contains("first"))
    }

    /// Buckets are cumulative, `+Inf` equals the count, and each label set is its own series.
    @Test func histogramsRenderCumulativeBucketsPerLabelSet() {
        let metrics = Metrics()
        metrics.describe("latency_seconds", .histogram, help: "Latency.")
        for value in [0.0004, 0.003, 0.003, 20] { metrics.observe("latency_seconds", ["route": "/"], value: value) }
        metrics.observe("latency_seconds", ["route": "/write"], value: 0.0007)
        let lines = metrics.render().split(separator: "\n").map(String.init)
        #expect(lines.contains(#"latency_seconds_bucket{route="/",le="0.0005"} 1"#))
        #expect(lines.contains(#"latency_seconds_bucket{route="/",le="0.001"} 1"#))
        #expect(lines.contains(#"latency_seconds_bucket{route="/",le="0.005"} 3"#))
        #expect(lines.contains(#"latency_seconds_bucket{route="/",le="10"} 3"#))
        #expect(lines.contains(#"latency_seconds_bucket{route="/",le="+Inf"} 4"#))
        #expect(lines.contains(#"latency_seconds_count{route="/"} 4"#))
        #expect(lines.contains(#"latency_seconds_sum{route="/"} 20.0064"#))
        #expect(lines.contains(#"latency_seconds_bucket{route="/write",le="0.001"} 1"#))
        #expect(lines.contains(#"latency_seconds_bucket{route="/write",le="0.0005"} 0"#))
        #expect(lines.filter { $0.hasPrefix("latency_seconds_bucket{route=\"/\"") }.count == 15)
        #expect(!lines.contains("latency_seconds 0"))
    }

    /// A resolved series and the name-and-labels calls update the same sample, whichever came
    /// first, and a family described after a series was resolved still gets its help text.
    @Test func resolvedSeriesShareTheirSampleWithNamedCalls() {
        let metrics = Metrics()
        let written = metrics.series("lines_total", ["route": "/write"])
        let latency = metrics.histogram("latency_seconds")
        metrics.describe("lines_total", .counter, help: "Lines.")
        metrics.increment(written, by: 2)
        metrics.increment("lines_total", ["route": "/write"])
        metrics.increment(metrics.series("lines_total", ["route": "/write"]))
        metrics.observe(latency, value: 0.002)
        metrics.observe("latency_seconds", value: 0.004)
        let lines = metrics.render().split(separator: "\n").map(String.init)
        #expect(lines.contains("# HELP lines_total Lines."))
        #expect(lines.contains(#"lines_total{route="/write"} 4"#))
        #expect(lines.filter { $0.hasPrefix("lines_total") }.count == 1)
        #expect(lines.contains("latency_seconds_count 2") && lines.contains("latency_seconds_sum 0.006"))
    }

    /// A logged value cannot forge another field or another line.
    @Test func logfmtQuotesAndEscapesValues() {
        let lines = Lines()
        let logger = Logger(level: .info) { line in lines.captured.withLock { $0.append(line) } }
        logger.debug("hidden")
        logger.warning("bad input", ["user": "rick level=error", "text": "a\nts=forged", "plain": "ok"])
        let captured = lines.captured.withLock { $0 }
        #expect(captured.count == 1)
        #expect(captured[0].hasPrefix("ts="))
        #expect(
            captured[0].hasSuffix(
                #"level=warn msg="bad input" user="rick level=error" text="a\nts=forged" plain=ok"#))
        // RFC 3339 UTC with milliseconds.
        let timestamp = #"^ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z "#
        #expect(captured[0].range(of: timestamp, options: .regularExpression) != nil)
    }

    /// Every character that could end a value, a field or a line is escaped; other text, in any
    /// script, is kept as it is.
    @Test func logfmtValuesEscapeExactlyTheCharactersThatCouldForge() {
        #expect(Logger.logfmtValue("") == #""""#)
        #expect(Logger.logfmtValue("Zoë🌱") == "Zoë🌱")
        #expect(Logger.logfmtValue("Zoë 🌱") == #""Zoë 🌱""#)
        #expect(Logger.logfmtValue("a=b") == #""a=b""#)
        #expect(Logger.logfmtValue(#"say "hi"\"#) == #""say \"hi\"\\""#)
        #expect(Logger.logfmtValue("cr\rtab\tbell\u{7}") == #""cr\rtab\tbell\u{7}""#)
    }
}

/// A flood of one failure is one line, then a count every interval, then one line when it clears.
@Suite struct RepeatedFailureTests {
    @Test func aFloodIsLoggedOnceThenCountedThenCleared() {
        let lines = Lines()
        let logger = Logger(level: .info, sink: { line in lines.captured.withLock { $0.append(line) } })
        func logged() -> [String] { lines.captured.withLock { $0 } }
        let failure = RepeatedFailure(
            logger: logger, level: .error, message: "cannot buffer readings", interval: .seconds(10))
        let second: UInt64 = 1_000_000_000
        for index in 0..<3_792 {
            failure.record(["user": "rick", "error": "disk full"], now: 100 * second + UInt64(index) * 1_000_000)
        }
        #expect(logged().count == 1)
        #expect(logged()[0].contains("level=error msg=\"cannot buffer readings\" user=rick error=\"disk full\""))
        failure.record(["user": "morty", "error": "disk full"], now: 111 * second)
        #expect(logged().count == 2)
        #expect(logged()[1].contains("user=morty") && logged()[1].contains("repeated=\"3792 times in 11s\""))
        failure.record(["user": "rick"], now: 112 * second)
        failure.cleared()
        failure.cleared()  // once
        #expect(logged().count == 3)
        #expect(logged()[2].contains("msg=\"cannot buffer readings: cleared\" unlogged_repeats=1"))
        failure.record(["user": "rick"], now: 200 * second)  // a new flood starts with a line again
        #expect(logged().count == 4)
    }
}
