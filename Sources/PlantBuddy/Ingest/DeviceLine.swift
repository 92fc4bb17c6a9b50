/// What one line of a device's body turned out to be.
public enum DeviceLine: Equatable, Sendable {
    /// `01SM144`: device `01`, sensor code `SM`, reading 144.
    case reading(number: Int, deviceID: String, measurement: String, value: Int64)
    /// `ERR…`, alone or after a device id and sensor code: the device reports a failed sensor.
    case sensorFailure(number: Int, deviceID: String?, measurement: String?, text: String)
    /// Anything else, with why.
    case rejected(number: Int, text: String, error: String)
}
