// Plant Buddy soil-moisture check (InfluxDB 2.x / Cloud).
//
// Every 10 minutes, for each user and device, the mean soil moisture of the last period becomes a
// status in `_monitoring`: `crit` at or below the threshold (default 35, as the original project),
// `ok` above it. The message names the user and the device.
//
// `plantbuddy setup` installs this with these definitions right after its imports (Flux allows
// imports only at the top of a file), as Flux literals:
//   raw_bucket = "plantbuddy"
//   crit_threshold = 35.0
// By hand: put those two lines after the import lines of a copy of this file, then
//   influx task create --org <org> --file check.flux
import "influxdata/influxdb/monitor"
import "influxdata/influxdb/v1"

option task = {name: "plantbuddy-soil-check", every: 10m, offset: 30s}

from(bucket: raw_bucket)
    |> range(start: -task.every)
    |> filter(fn: (r) => r._measurement == "soil_moisture" and r._field == "reading")
    |> aggregateWindow(every: task.every, fn: mean, createEmpty: false)
    |> v1.fieldsAsCols()
    |> monitor.check(
        data: {_check_id: "0000000000050a11", _check_name: "plantbuddy soil moisture", _type: "threshold", tags: {}},
        messageFn: (r) => "soil moisture at ${string(v: int(v: r.reading))} for ${r.user} (device ${r.device_id})",
        crit: (r) => r.reading <= crit_threshold,
        ok: (r) => r.reading > crit_threshold,
    )
