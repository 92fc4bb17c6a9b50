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

    /// Runs until `shouldStop` returns true, logging each POST's outcome to standard output.
    public func run(shouldStop: @Sendable () -> Bool) {
        let client = CurlHTTPClient()
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
