import Foundation
import InfluxClient
import Observability
import TestSupport
import Testing

@testable import PlantBuddy

/// Every Flux text the gateway sends, checked by the official Flux parser and type checker
/// (`../shared/tools/fluxcheck`): the graph query for hostile names, and each task exactly as
/// `plantbuddy setup` sends it for hostile buckets, URLs and thresholds.
@Suite(.enabled(if: FluxCheck.isAvailable, Comment(rawValue: FluxCheck.unavailableReason)))
struct FluxTextTests {
    static let hostileTexts =
        IsolationTests.hostileNames + [
            "$", "$$", "${", "$${", "\\${", "a$b${c}$", "quote\"dollar$", "new\nline", "tab\there", "end\\",
        ]

    private static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardized.path

    @Test(arguments: hostileTexts)
    func theGraphAndLatestQueriesForAHostileUserOrBucketAreValidFlux(text: String) throws {
        let graph = try String(contentsOfFile: Self.repository + "/Flux/graph.flux", encoding: .utf8)
        let latest = try String(contentsOfFile: Self.repository + "/Flux/latest.flux", encoding: .utf8)
        let source = ReadingsSource(
            influx: InfluxDBClient(configuration: InfluxConfiguration(url: "http://127.0.0.1:9", bucket: text)),
            graphScript: graph, latestScript: latest, catalog: .standard, downsampledBucket: text,
            logger: Logger(level: .error))
        for range in GraphRange.allCases {
            // As the page sends them: over the range, and from a time (the raw completion of the
            // downsampled chart; the latest readings from the chart's last windows).
            let since = 1_764_669_600.5
            for script in [
                source.fluxScript(for: text, range: range), source.fluxLatestScript(for: text, range: range),
                source.fluxScript(for: text, range: range, raw: true, since: since),
                source.fluxLatestScript(for: text, range: range, since: since),
            ] {
                #expect(try FluxCheck.errors(in: script) == [], "\(range.rawValue): \(script)")
            }
        }
    }

    static let thresholds = [35.0, 0.00001, 10_000_000_000_000_000, -2.5, 1.5e-7, 0]

    @Test(arguments: zip(hostileTexts.prefix(thresholds.count), thresholds))
    func everyTaskAsSetupSendsItIsValidFlux(text: String, threshold: Double) throws {
        var configuration = Configuration()
        configuration.fluxDirectory = Self.repository + "/Flux"
        configuration.influx.bucket = text
        configuration.downsampledBucket = text + "-downsampled"
        configuration.publicURL = "https://plants.example/$x/\"q\"/${y}"
        configuration.soilCritThreshold = threshold
        let programs = try Setup(configuration: configuration, dryRun: true, say: { _ in }).taskPrograms()
        #expect(programs.count == 3)
        for program in programs {
            #expect(try FluxCheck.errors(in: program) == [], "\(program)")
        }
    }

    /// The checker itself refuses what the last version sent, so a pass above means something.
    @Test func theCheckerRefusesDefinitionsBeforeImportsAndABackslashDollar() throws {
        #expect(try FluxCheck.errors(in: "x = 1\nimport \"json\"\n") != [])
        #expect(try FluxCheck.errors(in: #"x = "a\$b""#) != [])
        #expect(try FluxCheck.errors(in: "x = 1e-05\n") != [])
    }
}

/// Flux literals read back as exactly the value, by the SPEC's decoding rules (the official parser
/// checks they are well formed; this checks what they mean).
@Suite struct FluxLiteralTests {
    /// Decodes a string literal strictly: only the SPEC's escapes, no unescaped quote, no `${`.
    private func decode(_ literal: String) -> String? {
        guard literal.hasPrefix("\""), literal.hasSuffix("\""), literal.count >= 2 else { return nil }
        var bytes: [UInt8] = []
        var input = Array(literal.utf8.dropFirst().dropLast())[...]
        while let byte = input.popFirst() {
            switch byte {
            case UInt8(ascii: "\""): return nil
            case UInt8(ascii: "$") where input.first == UInt8(ascii: "{"): return nil
            case UInt8(ascii: "\\"):
                switch input.popFirst() {
                case UInt8(ascii: "n"): bytes.append(10)
                case UInt8(ascii: "r"): bytes.append(13)
                case UInt8(ascii: "t"): bytes.append(9)
                case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\""))
                case UInt8(ascii: "x"):
                    guard input.count >= 2,
                        let value = UInt8(String(decoding: input.prefix(2), as: UTF8.self), radix: 16)
                    else { return nil }
                    bytes.append(value)
                    input = input.dropFirst(2)
                default: return nil
                }
            default: bytes.append(byte)
            }
        }
        return String(bytes: bytes, encoding: .utf8)
    }

    @Test(arguments: FluxTextTests.hostileTexts)
    func aStringLiteralReadsBackAsTheText(text: String) {
        #expect(decode(Flux.stringLiteral(text)) == text)
    }

    @Test(arguments: [
        (0.00001, "0.00001"), (10_000_000_000_000_000, "10000000000000000.0"), (35, "35.0"), (35.5, "35.5"),
        (-2.5, "-2.5"), (1.5e-7, "0.00000015"), (0, "0.0"), (123_456.789, "123456.789"),
    ])
    func aFloatLiteralIsPlainDecimals(value: Double, literal: String) {
        #expect(Flux.floatLiteral(value) == literal)
        #expect(Double(literal) == value)
    }
}
