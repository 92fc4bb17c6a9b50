// Plant Buddy graph query (InfluxDB 2.x / Cloud).
//
// One table per sensor (measurement) and device for one user: the mean reading per window over the
// range. The gateway reads this file at start-up and puts these definitions in front of it (after
// the imports, were there any), every value written by the gateway itself (strings as Flux
// literals, `Flux.stringLiteral`, never spliced user text):
//   bucket = "plantbuddy"   the raw bucket, or the downsampled one for 7d and 30d
//   user   = "rick"         the signed-in user
//   start  = -48h           the range shown
//   every  = 5m             the window; about one per pixel column of the chart
from(bucket: bucket)
    |> range(start: start)
    |> filter(fn: (r) => r.user == user and r._field == "reading")
    |> aggregateWindow(every: every, fn: mean, createEmpty: false)
    |> keep(columns: ["_time", "_value", "_measurement", "device_id"])
    |> yield(name: "readings")
