import CurlClient
import Foundation
import Synchronization

/// A stand-in for real boards, like the original project's mock device: every interval each
/// simulated device POSTs all five readings, drifting by up to ±2 % per step within plausible ranges.
public struct Simulator: Sendable {
    public var url: String
    public var token: String
    public var devices = 1
    public var interval: Duration = .seconds(5)
    /// Holds soil moisture at 20, below the default alert threshold of 35, to exercise alerts.
    public var dry = false
    /// When set, the first device's soil dries out and is watered again once per cycle: from 60 down
    /// to 20 over 60 % of the cycle (passing the default alert threshold of 35 after 37.5 %), then
    /// back to 70, so the alert and its recovery both happen while you watch.
    public var dryingCycle: Duration?
    /// When set, first writes this much history (one reading a minute per sensor, timestamps given)
    /// through the gateway's `/api/v2/write`, so a new chart is a real chart at once.
    public var backfill: Duration?

    public init(url: String, token: String) {
        self.url = url
        self.token = token
    }

    struct Sensor {
        let code: String
        let range: ClosedRange<Double>
        var value: Double
    }

    static func startingSensors() -> [Sensor] {
        [
            Sensor(code: "SM", range: 30...90, value: 60), Sensor(code: "LI", range: 0...1000, value: 600),
            Sensor(code: "HU", range: 20...90, value: 55), Sensor(code: "ST", range: 5...35, value: 19),
            Sensor(code: "AT", range: -5...40, value: 21),
        ]
    }

    /// The first device's soil moisture `elapsed` into a drying cycle of `cycle`.
    static func dryingSoil(elapsed: Duration, cycle: Duration) -> Int {
        let phase = (elapsed.seconds.truncatingRemainder(dividingBy: cycle.seconds)) / cycle.seconds
        return phase < 0.6 ? Int((60 - 40 * phase / 0.6).rounded()) : 70
    }

    /// One round of lines for one device, advancing the drift; `soil` replaces the soil moisture.
    static func nextLines(deviceID: String, sensors: inout [Sensor], dry: Bool, soil: Int? = nil) -> String {
        var lines: [String] = []
        for index in sensors.indices {
            var sensor = sensors[index]
            let step = sensor.value * Double.random(in: -0.02...0.02) + Double.random(in: -0.5...0.5)
            sensor.value = min(sensor.range.upperBound, max(sensor.range.lowerBound, sensor.value + step))
            sensors[index] = sensor
            let reading =
                sensor.code == "SM" ? (dry ? 20 : soil ?? Int(sensor.value.rounded())) : Int(sensor.value.rounded())
            let padded = reading < 0 ? String(reading) : String(format: "%03d", reading)
            lines.append(deviceID + sensor.code + padded)
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    private func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

    /// The history `backfill` writes: for each device, one line a minute per sensor from `start`
    /// (seconds) up to `end`, drifting as live readings do, in line protocol with second precision.
    static func history(devices: Int, from start: Int64, to end: Int64) -> [String] {
        var lines: [String] = []
        for device in 0..<max(1, devices) {
            let deviceID = String(format: "%02d", (device + 1) % 100)
            var sensors = startingSensors()
            var time = start - start % 60
            while time < end {
                for index in sensors.indices {
                    var sensor = sensors[index]
                    let step = sensor.value * Double.random(in: -0.02...0.02) + Double.random(in: -0.5...0.5)
                    // History stays clear of the default alert threshold: old readings raise no alerts.
                    let floor = sensor.code == "SM" ? 45 : sensor.range.lowerBound
                    sensor.value = min(sensor.range.upperBound, max(floor, sensor.value + step))
                    sensors[index] = sensor
                    let measurement = SensorCatalog.standard.measurement(for: sensor.code) ?? sensor.code
                    lines.append("\(measurement),device_id=\(deviceID) reading=\(Int(sensor.value.rounded()))i \(time)")
                }
                time += 60
            }
        }
        return lines
    }

    /// Writes the history in requests of at most 5,000 lines; false if the gateway refused one.
    private func writeHistory(_ span: Duration, client: CurlHTTPClient) -> Bool {
        let end = Int64(Date().timeIntervalSince1970)
        let lines = Self.history(devices: devices, from: end - span.components.seconds, to: end)
        let base = url.hasSuffix("/write") ? String(url.dropLast("/write".count)) : url
        var sent = 0
        while sent < lines.count {
            let chunk = lines[sent..<min(lines.count, sent + 5000)]
            let request = HTTPClientRequest(
                method: "POST", url: base + "/api/v2/write?org=plantbuddy&bucket=plantbuddy&precision=s",
                headers: [("Authorization", "Token \(token)"), ("Content-Type", "text/plain")],
                body: Array(chunk.joined(separator: "\n").utf8))
            do {
                let response = try client.send(request)
                guard response.status == 204 else {
                    say("backfill: the gateway answered \(response.status): \(response.bodyText)")
                    return false
                }
            } catch {
                say("backfill: \(error)")
                return false
            }
            sent += chunk.count
        }
        let hours = Double(span.components.seconds) / 3600
        say(
            "backfill: wrote \(lines.count) readings of the last \(hours == hours.rounded() ? String(Int(hours)) : String(hours)) h"
        )
        return true
    }

    /// Runs until `shouldStop` returns true, logging each POST's outcome to standard output.
    public func run(shouldStop: @Sendable () -> Bool) {
        let client = CurlHTTPClient()
        if let backfill { _ = writeHistory(backfill, client: client) }
        var sensors = (1...max(1, devices)).map { _ in Self.startingSensors() }
        let endpoint = url.hasSuffix("/write") ? url : url + "/write"
        let started = ContinuousClock.now
        while !shouldStop() {
            for device in sensors.indices {
                let deviceID = String(format: "%02d", (device + 1) % 100)
                let soil = dryingCycle.flatMap { cycle in
                    device == 0 ? Self.dryingSoil(elapsed: ContinuousClock.now - started, cycle: cycle) : nil
                }
                let body = Self.nextLines(deviceID: deviceID, sensors: &sensors[device], dry: dry, soil: soil)
                let request = HTTPClientRequest(
                    method: "POST", url: endpoint,
                    headers: [("Authorization", "Token \(token)"), ("Content-Type", "text/plain")],
                    body: Array(body.utf8))
                do {
                    let response = try client.send(request)
                    let summary = body.split(separator: "\r\n").joined(separator: " ")
                    say("device \(deviceID): \(summary) -> \(response.status)")
                } catch {
                    say("device \(deviceID): \(error)")
                }
            }
            let deadline = ContinuousClock.now + interval
            while ContinuousClock.now < deadline && !shouldStop() { Thread.sleep(forTimeInterval: 0.1) }
        }
    }
}
