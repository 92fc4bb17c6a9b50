// Plant Buddy alert check (InfluxDB 2.x / Cloud): every person's alert rules, in one task for everyone.
//
// The gateway writes each rule as a point of measurement `plantbuddy_rules` into the raw bucket
// (tags user, rule_id, sensor, device_id — "*" for any device; fields kind "below"|"above"|"silent",
// threshold, silence_seconds, active), rewriting them daily and whenever a rule changes, so this task
// needs no update per rule and no task per user. Every minute it takes each device's last reading per
// sensor, joins it with the rules that watch it, and writes a status per rule and device to
// `_monitoring`: threshold rules through `monitor.check` (crit at or below / at or above the value, ok
// otherwise), silence rules through `monitor.deadman` (crit once the last reading is older than the
// rule's silence). The notification rule (notification_rule.flux) sends each change once.
//
// `plantbuddy setup` installs this with these definitions right after its imports (Flux allows
// imports only at the top of a file), as Flux literals:
//   raw_bucket = "plantbuddy"
//   lookback = 7d                            the longest silence a rule may ask for (PLANTBUDDY_MAX_SILENCE)
//   threshold_check_id = "0000000000050a21"
//   silence_check_id = "0000000000050a22"
// By hand: put those lines after the import lines of a copy of this file, then
//   influx task create --org <org> --file alerts.flux
import "influxdata/influxdb/monitor"
import "join"

option task = {name: "plantbuddy-alerts", every: 1m, offset: 20s}

rules =
    from(bucket: raw_bucket)
        |> range(start: -2d)
        |> filter(fn: (r) => r._measurement == "plantbuddy_rules")
        |> last()
        |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
        |> filter(fn: (r) => r.active)
        |> group()

latest =
    from(bucket: raw_bucket)
        |> range(start: -lookback)
        |> filter(fn: (r) => r._field == "reading" and r._measurement != "plantbuddy_rules")
        |> last()
        |> group()
        |> map(
            fn: (r) =>
                ({
                    user: r.user,
                    device_id: r.device_id,
                    sensor: r._measurement,
                    reading: float(v: r._value),
                    _time: r._time,
                }),
        )

withRule = (l, r) =>
    ({l with
        rule_id: r.rule_id,
        kind: r.kind,
        threshold: r.threshold,
        silence_seconds: r.silence_seconds,
        _measurement: l.sensor,
    })

forOneDevice =
    join.inner(
        left: latest,
        right: rules |> filter(fn: (r) => r.device_id != "*"),
        on: (l, r) => l.user == r.user and l.sensor == r.sensor and l.device_id == r.device_id,
        as: withRule,
    )

forAnyDevice =
    join.inner(
        left: latest,
        right: rules |> filter(fn: (r) => r.device_id == "*"),
        on: (l, r) => l.user == r.user and l.sensor == r.sensor,
        as: withRule,
    )

matched =
    union(tables: [forOneDevice, forAnyDevice])
        |> group(columns: ["user", "device_id", "sensor", "rule_id"])

alerting = (r) => if r.kind == "below" then r.reading <= r.threshold else r.reading >= r.threshold

matched
    |> filter(fn: (r) => r.kind == "below" or r.kind == "above")
    |> monitor.check(
        data: {_check_id: threshold_check_id, _check_name: "plantbuddy rules", _type: "threshold", tags: {}},
        messageFn: (r) => "${r.sensor} ${string(v: r.reading)} (${r.kind} ${string(v: r.threshold)})",
        crit: alerting,
        ok: (r) => not alerting(r: r),
    )

matched
    |> filter(fn: (r) => r.kind == "silent")
    |> map(fn: (r) => ({r with _time: time(v: int(v: r._time) + r.silence_seconds * 1000000000)}))
    |> monitor.deadman(t: now())
    |> monitor.check(
        data: {_check_id: silence_check_id, _check_name: "plantbuddy silence", _type: "deadman", tags: {}},
        messageFn: (r) => "no ${r.sensor} reading for ${string(v: r.silence_seconds)}s",
        crit: (r) => r.dead,
        ok: (r) => not r.dead,
    )
