"""Plant Buddy downsampling plugin for InfluxDB 3's processing engine.

On a schedule (`plantbuddy setup` creates the trigger `every:10m` on the raw database), writes the
10-minute means of every sensor reading, per user and device, into the downsampled database the 7d
and 30d graphs read, as Flux/downsample.flux does on 2.x and the continuous query on 1.x. It looks
back two periods, so a reading that arrived late is still counted (re-writing a window's mean
overwrites the same point), skips empty windows, and leaves the current, unfinished window alone.

Trigger arguments (setup sets them; none is a secret):
  target_database  where the means go (INFLUX_DOWNSAMPLED_BUCKET, default "downsampled")
  tables           comma-separated measurements to downsample (the gateway's sensor catalog)
  window_seconds   the window, default 600
  plugin_sha256    which version of this file setup installed (setup compares it; unused here)

Python standard library only; runs on the engine's bundled Python (3.11 to 3.13).
"""

import datetime
import re

_NAME = re.compile(r"^[A-Za-z0-9_]+$")
_DEFAULT_TABLES = "soil_moisture,air_temp,humidity,light,soil_temp"


def process_scheduled_call(influxdb3_local, call_time, args=None):
    args = args or {}
    target = args.get("target_database", "downsampled")
    window = int(args.get("window_seconds", "600"))
    end = window_start(to_ns(call_time), window)
    start = end - 2 * window * 10**9
    written = 0
    for table in tables(args.get("tables", _DEFAULT_TABLES), influxdb3_local):
        try:
            rows = influxdb3_local.query(means_query(table, window), {"start": iso(start), "end": iso(end)})
        except Exception as error:  # a table nobody has written yet, or a passing failure
            influxdb3_local.warn(f"plantbuddy downsample: {table}: {error}")
            continue
        for row in rows:
            if row.get("reading") is None or not row.get("user"):
                continue  # an empty window, or a reading that belongs to no one
            line = LineBuilder(table)  # noqa: F821 - the engine provides LineBuilder as a builtin
            line.tag("device_id", str(row.get("device_id") or ""))
            line.tag("user", str(row["user"]))
            line.float64_field("reading", float(row["reading"]))
            line.time_ns(to_ns(row["window_start"]))
            influxdb3_local.write_to_db(target, line)
            written += 1
    influxdb3_local.info(f"plantbuddy downsample: {written} means into {target} up to {iso(end)}")
    return written


def means_query(table, window):
    """Each window's mean per user and device, between the `$start` and `$end` parameters."""
    return (
        f"SELECT \"user\", device_id, date_bin(INTERVAL '{window} seconds', time) AS window_start, "
        f'avg(reading) AS reading FROM "{table}" WHERE time >= $start AND time < $end '
        f'GROUP BY "user", device_id, window_start ORDER BY window_start'
    )


def tables(names, influxdb3_local):
    """The measurement names given, each only letters, digits and `_` (they are quoted into SQL)."""
    valid = []
    for name in (part.strip() for part in names.split(",")):
        if _NAME.match(name):
            valid.append(name)
        elif name:
            influxdb3_local.warn(f"plantbuddy downsample: ignoring table name {name!r}")
    return valid


def window_start(ns, window):
    return ns - ns % (window * 10**9)


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
