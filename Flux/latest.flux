// Plant Buddy latest readings (InfluxDB 2.x / Cloud).
//
// The last reading each of one user's devices sent for each sensor within the range shown, as it
// was sent and with its own time (never a window's mean). Always from the raw bucket. The gateway
// reads this file at start-up and puts these definitions in front of it, written by the gateway
// itself (strings as Flux literals, `Flux.stringLiteral`, never spliced user text):
//   bucket = "plantbuddy"   the raw bucket
//   user   = "rick"         the signed-in user
//   start  = -48h           the range shown
from(bucket: bucket)
    |> range(start: start)
    |> filter(fn: (r) => r.user == user and r._field == "reading")
    |> last()
    |> keep(columns: ["_time", "_value", "_measurement", "device_id"])
    |> yield(name: "latest")
