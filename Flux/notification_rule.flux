// Plant Buddy notification rule (InfluxDB 2.x / Cloud).
//
// Every minute, sends each change of an alert rule's status (into `crit`, and back to `ok`:
// recovered) to the gateway's /notify as JSON:
//   {"user", "device_id", "sensor", "level", "message", "time" (RFC 3339), "check_id" (the rule's id), "value"}
// with the shared secret as the Authorization header. The secret comes from InfluxDB's secret store
// (key `pb_secret`), never from this text.
//
// Only the statuses of Plant Buddy's own two checks are read (`monitor.from` alone would read every
// check in the org). `monitor.stateChanges` needs the status before a change and drops each table's
// first row, so it looks back `status_lookback` (an hour: the check writes a status every minute, so
// a change is still seen after a gap in the check's runs that long), but keeps only changes newer than
// its own period, so consecutive runs never send one twice. The gateway also ignores repeats.
//
// `plantbuddy setup` installs this with these definitions right after its imports (Flux allows
// imports only at the top of a file), as Flux literals:
//   notify_url = "https://gateway.example/notify"
//   threshold_check_id = "0000000000050a21"
//   silence_check_id = "0000000000050a22"
//   status_lookback = 1h
// and stores the secret with PATCH /api/v2/orgs/<orgID>/secrets {"pb_secret": "..."}.
// By hand: `influx secret update --key pb_secret --value <secret>`, put those lines after the import
// lines of a copy of this file, then
//   influx task create --org <org> --file notification_rule.flux
import "experimental"
import "http"
import "json"
import "influxdata/influxdb/monitor"
import "influxdata/influxdb/secrets"

option task = {name: "plantbuddy-notify", every: 1m, offset: 45s}

secret = secrets.get(key: "pb_secret")
endpoint = http.endpoint(url: notify_url)

monitor.from(
    start: -status_lookback,
    fn: (r) => r._check_id == threshold_check_id or r._check_id == silence_check_id,
)
    |> group(columns: ["_check_id", "user", "device_id", "sensor", "rule_id"])
    |> sort(columns: ["_time"])
    |> monitor.stateChanges()
    |> filter(fn: (r) => r._time >= experimental.subDuration(from: now(), d: task.every))
    |> monitor.notify(
        data: {
            _notification_rule_id: "0000000000050a12",
            _notification_rule_name: "plantbuddy alerts",
            _notification_endpoint_id: "0000000000050a13",
            _notification_endpoint_name: "plantbuddy gateway",
        },
        endpoint:
            endpoint(
                mapFn: (r) =>
                    ({
                        headers: {"Content-Type": "application/json", "Authorization": secret},
                        data:
                            json.encode(
                                v: {
                                    user: r.user,
                                    device_id: r.device_id,
                                    sensor: r.sensor,
                                    level: r._level,
                                    message: r._message,
                                    time: time(v: r._status_timestamp),
                                    check_id: r.rule_id,
                                    value: r.reading,
                                },
                            ),
                    }),
            ),
    )
