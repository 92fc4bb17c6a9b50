// Plant Buddy downsampling task (InfluxDB 2.x / Cloud).
//
// Every 10 minutes, writes the 10-minute means of every sensor reading from the raw bucket into the
// downsampled bucket, which the 7d and 30d graphs read. It looks back two periods, so a point that
// arrived late is still counted (re-writing a window's mean overwrites the same point), and it skips
// empty windows instead of writing nulls.
//
// `plantbuddy setup` installs this with these definitions in front of it (it has no imports), as
// Flux literals:
//   raw_bucket = "plantbuddy"
//   downsampled_bucket = "downsampled"
// By hand: put those two lines at the top of a copy of this file, then
//   influx task create --org <org> --file downsample.flux
option task = {name: "plantbuddy-downsample", every: 10m, offset: 1m}

from(bucket: raw_bucket)
    |> range(start: -duration(v: int(v: task.every) * 2))
    |> filter(fn: (r) => r._field == "reading")
    |> aggregateWindow(every: task.every, fn: mean, createEmpty: false)
    |> to(bucket: downsampled_bucket)
