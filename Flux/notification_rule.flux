// Plant Buddy notification rule (InfluxDB 2.x / Cloud).
//
// Every minute, sends each new transition to `crit` to the gateway's /notify as JSON:
//   {"user", "device_id", "sensor", "level", "message", "time" (RFC 3339), "check_id"}
// with the shared secret as the Authorization header. The secret comes from InfluxDB's secret store
// (key `pb_secret`), never from this text.
//
// Each status is sent once: the rule reads two check periods back so it can see the previous level
// (`stateChanges` needs it), but keeps only transitions newer than its own period, so consecutive runs
// never overlap (the original rule read 2 minutes every minute and sent every alert twice). The
// gateway also ignores repeats.
//
// `plantbuddy setup` installs this with this definition right after its imports (Flux allows
// imports only at the top of a file), as a Flux literal:
//   notify_url = "https://gateway.example/notify"
// and stores the secret with PATCH /api/v2/orgs/<orgID>/secrets {"pb_secret": "..."}.
// By hand: `influx secret update --key pb_secret --value <secret>`, put the notify_url line after
// the import lines of a copy of this file, then
//   influx task create --org <org> --file notification_rule.flux
import "experimental"
import "http"
import "json"
import "influxdata/influxdb/monitor"
import "influxdata/influxdb/secrets"

option task = {name: "plantbuddy-notify", every: 1m, offset: 45s}

secret = secrets.get(key: "pb_secret")
endpoint = http.endpoint(url: notify_url)

monitor.from(start: -20m)
    |> monitor.stateChanges(toLevel: "crit")
    |> filter(fn: (r) => r._time >= experimental.subDuration(from: now(), d: task.every))
    |> monitor.notify(
        data: {
            _notification_rule_id: "0000000000050a12",
            _notification_rule_name: "plantbuddy crit",
            _notification_endpoint_id: "0000000000050a13",
            _notification_endpoint_name: "plantbuddy gateway",
        },
        endpoint: endpoint(
            mapFn: (r) => ({
                headers: {"Content-Type": "application/json", "Authorization": secret},
                data: json.encode(
                    v: {
                        user: r.user,
                        device_id: r.device_id,
                        sensor: "soil_moisture",
                        level: r._level,
                        message: r._message,
                        time: time(v: r._status_timestamp),
                        check_id: r._check_id,
                    },
                ),
            }),
        ),
    )
