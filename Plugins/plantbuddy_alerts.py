"""Plant Buddy alerts plugin for InfluxDB 3's processing engine.

On a schedule (`plantbuddy setup` creates the trigger `every:1m` on the raw database), judges every
person's alert rules, as Flux/alerts.flux and the notification rule do on 2.x: the rules are the
points the gateway writes to `plantbuddy_rules` (tags user, rule_id, sensor, device_id — `*` for any
device; fields kind, threshold, silence_seconds, active; the last point of each rule counts), and each
device's last reading per sensor within the look-back is compared with the rules watching it
(`below`: at or below the threshold; `above`: at or above; `silent`: no reading for silence_seconds).
Each change of a rule's level for a device (into `crit`, and back to `ok`) is POSTed once to the
gateway's /notify as JSON {user, device_id, sensor, level, message, time, check_id, value}.

The shared secret is read from the InfluxDB server's environment, PLANTBUDDY_NOTIFY_SECRET, never
from a trigger argument (3.x shows those in a system table). Trigger arguments (setup sets them):
  notify_url        the gateway's /notify
  tables            comma-separated measurements the rules may watch
  lookback_seconds  how far back a last reading is looked for (the longest silence allowed)

Levels are kept in the engine's cache between runs. Python standard library only; `to_ns` and `iso`
are the downsampling plugin's, repeated because the engine loads each plugin file on its own.
"""

import datetime
import json
import os
import re
import urllib.request

_NAME = re.compile(r"^[A-Za-z0-9_]+$")
_RULES = "plantbuddy_rules"


def process_scheduled_call(influxdb3_local, call_time, args=None):
    args = args or {}
    secret = os.environ.get("PLANTBUDDY_NOTIFY_SECRET", "")
    url = args.get("notify_url", "")
    if not secret or not url:
        influxdb3_local.error("plantbuddy alerts: set PLANTBUDDY_NOTIFY_SECRET in InfluxDB's environment and notify_url")
        return 0
    now_ns = to_ns(call_time)
    lookback = int(args.get("lookback_seconds", "86400"))
    rules = active_rules(influxdb3_local)
    readings = last_readings(influxdb3_local, args.get("tables", ""), lookback)
    sent = 0
    for key, event in judge(rules, readings, now_ns).items():
        if influxdb3_local.cache.get(key) == event["level"]:
            continue
        previous = influxdb3_local.cache.get(key)
        if previous is None and event["level"] == "ok":
            influxdb3_local.cache.put(key, "ok")  # nothing was open: nothing to recover
            continue
        if post(url, secret, event, influxdb3_local):
            influxdb3_local.cache.put(key, event["level"])
            sent += 1
    return sent


def active_rules(influxdb3_local):
    """The last point of each (user, rule_id) in the past two days, if it is active."""
    try:
        rows = influxdb3_local.query(
            f"SELECT * FROM {_RULES} WHERE time >= now() - INTERVAL '172800 seconds' ORDER BY time"
        )
    except Exception as error:  # no rules written yet
        influxdb3_local.warn(f"plantbuddy alerts: no rules: {error}")
        return []
    last = {}
    for row in rows:
        last[(row.get("user"), row.get("rule_id"))] = row
    return [row for row in last.values() if row.get("active") in (True, 1, "true")]


def last_readings(influxdb3_local, tables, lookback):
    """Each (user, sensor, device)'s last reading within the look-back: (value, time in ns)."""
    found = {}
    for table in (name.strip() for name in tables.split(",")):
        if not _NAME.match(table):
            continue
        try:
            rows = influxdb3_local.query(
                f'SELECT "user", device_id, time, reading FROM (SELECT "user", device_id, time, reading, '
                f'row_number() OVER (PARTITION BY "user", device_id ORDER BY time DESC) AS n FROM "{table}" '
                f"WHERE time >= now() - INTERVAL '{lookback} seconds') WHERE n = 1"
            )
        except Exception as error:  # a table nobody has written yet
            influxdb3_local.warn(f"plantbuddy alerts: {table}: {error}")
            continue
        for row in rows:
            if row.get("reading") is not None:
                found[(row["user"], table, row.get("device_id") or "")] = (float(row["reading"]), to_ns(row["time"]))
    return found


def judge(rules, readings, now_ns):
    """For each rule and device it watches that has a reading: the event its level is now."""
    events = {}
    for rule in rules:
        user, sensor, device = rule.get("user"), rule.get("sensor"), rule.get("device_id")
        kind = rule.get("kind")
        threshold = float(rule.get("threshold") or 0)
        silence = int(rule.get("silence_seconds") or 0)
        for (reading_user, reading_sensor, reading_device), (value, time_ns) in readings.items():
            if reading_user != user or reading_sensor != sensor or device not in ("*", reading_device):
                continue
            if kind == "below":
                crit, message = value <= threshold, f"{sensor} {value:g} (below {threshold:g})"
            elif kind == "above":
                crit, message = value >= threshold, f"{sensor} {value:g} (above {threshold:g})"
            elif kind == "silent":
                crit, message = now_ns - time_ns > silence * 10**9, f"no {sensor} reading for {silence}s"
            else:
                continue
            key = f"{user}\x1f{rule.get('rule_id')}\x1f{reading_device}"
            events[key] = {
                "user": user, "device_id": reading_device, "sensor": sensor, "level": "crit" if crit else "ok",
                "message": message, "time": iso(now_ns), "check_id": rule.get("rule_id"), "value": value,
            }
    return events


def post(url, secret, event, influxdb3_local):
    request = urllib.request.Request(
        url, data=json.dumps(event).encode(), method="POST",
        headers={"Content-Type": "application/json", "Authorization": secret},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return 200 <= answer.status < 300
    except Exception as error:  # tried again next run: the level is not recorded
        influxdb3_local.error(f"plantbuddy alerts: /notify failed: {error}")
        return False


def to_ns(value):
    """Nanoseconds since the epoch from what the engine hands over: int ns, datetime or ISO text."""
    if isinstance(value, bool):
        raise TypeError("not a time")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.rstrip("Z")
        whole, _, fraction = text.partition(".")
        moment = datetime.datetime.fromisoformat(whole)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.timezone.utc)
        return int(moment.timestamp()) * 10**9 + int((fraction + "000000000")[:9] or 0)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        delta = value - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
        return (delta.days * 86400 + delta.seconds) * 10**9 + delta.microseconds * 1000
    raise TypeError(f"not a time: {value!r}")


def iso(ns):
    """RFC 3339 in UTC, to the nanosecond."""
    seconds, rest = divmod(ns, 10**9)
    moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{rest:09d}Z"
