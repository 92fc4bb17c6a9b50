"""A stand-in for InfluxDB 3's processing engine, following its documented plugin API: an
`influxdb3_local` with `query(sql, params)` (a list of dicts), `write`/`write_to_db` of `LineBuilder`s,
`info`/`warn`/`error`; and `LineBuilder` installed as a builtin. Queries run on SQLite (standard
library), with the translations it needs: `now() - INTERVAL 'N seconds'` to the fake's clock less N,
`INTERVAL 'N seconds'` to N, `date_bin` a function. Times are stored as RFC 3339 text, which sorts as
time does. `cache` keeps values between calls, as the engine's does.
"""

import builtins
import datetime
import re
import sqlite3


class LineBuilder:
    def __init__(self, table):
        self.table, self.tags, self.fields, self.time = table, [], [], None

    def tag(self, key, value):
        self.tags.append((key, value))
        return self

    def float64_field(self, key, value):
        self.fields.append((key, repr(float(value))))
        return self

    def int64_field(self, key, value):
        self.fields.append((key, f"{int(value)}i"))
        return self

    def string_field(self, key, value):
        self.fields.append((key, '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'))
        return self

    def time_ns(self, ns):
        self.time = ns
        return self

    def build(self):
        tags = "".join(f",{k}={v}" for k, v in self.tags)
        fields = ",".join(f"{k}={v}" for k, v in self.fields)
        return f"{self.table}{tags} {fields}" + (f" {self.time}" if self.time is not None else "")


builtins.LineBuilder = LineBuilder


def iso(ns):
    seconds, rest = divmod(ns, 10**9)
    moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{rest:09d}Z"


def ns_of(text):
    whole, _, fraction = text.rstrip("Z").partition(".")
    moment = datetime.datetime.fromisoformat(whole).replace(tzinfo=datetime.timezone.utc)
    return int(moment.timestamp()) * 10**9 + int((fraction + "0" * 9)[:9])


class FakeCache:
    """The engine's in-memory cache: `put(key, value, ttl=None)`, `get(key, default=None)`."""

    def __init__(self):
        self.values = {}

    def put(self, key, value, ttl=None):
        self.values[key] = value

    def get(self, key, default=None):
        return self.values.get(key, default)


class FakeInfluxDB3Local:
    def __init__(self):
        self.database = sqlite3.connect(":memory:")
        self.database.create_function(
            "date_bin", 2, lambda seconds, time: iso(ns_of(time) - ns_of(time) % (seconds * 10**9))
        )
        self.written = []  # (database, line protocol)
        self.logs = []  # (level, message)
        self.queries = []  # (sql, params)
        self.now_ns = 0  # what now() is in queries
        self.cache = FakeCache()

    def insert(self, table, rows):
        """Rows as dicts with a `time` in ns; the table made with their columns if new."""
        columns = sorted({key for row in rows for key in row})
        self.database.execute(f'CREATE TABLE IF NOT EXISTS "{table}" ({", ".join(f"{c!r}" for c in columns)})')
        for row in rows:
            values = [iso(row[c]) if c == "time" else row.get(c) for c in columns]
            names = ", ".join(f'"{c}"' for c in columns)
            self.database.execute(f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(columns))})', values)

    def query(self, sql, params=None):
        self.queries.append((sql, params))
        translated = re.sub(
            r"now\(\) - INTERVAL '(\d+) seconds'", lambda m: f"'{iso(self.now_ns - int(m.group(1)) * 10**9)}'", sql
        )
        translated = re.sub(r"INTERVAL '(\d+) seconds'", r"\1", translated)
        cursor = self.database.execute(translated, params or {})
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def write(self, line):
        self.written.append((None, line.build()))

    def write_to_db(self, database, line):
        self.written.append((database, line.build()))

    def info(self, message):
        self.logs.append(("info", message))

    def warn(self, message):
        self.logs.append(("warn", message))

    def error(self, message):
        self.logs.append(("error", message))
