"""The downsampling plugin on a fake engine that runs its SQL (see fake_engine.py)."""

import datetime
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(__file__))

from fake_engine import FakeInfluxDB3Local  # noqa: E402
import plantbuddy_downsample as plugin  # noqa: E402

MINUTE = 60 * 10**9
# A call at 12:31:00: the windows 12:10 and 12:20 are done; 12:30 is still filling.
NOON = int(datetime.datetime(2026, 12, 2, 12, 0, tzinfo=datetime.timezone.utc).timestamp()) * 10**9
CALL = datetime.datetime(2026, 12, 2, 12, 31, tzinfo=datetime.timezone.utc)


def reading(minute, value, user="rick", device="01"):
    return {"time": NOON + minute * MINUTE, "reading": value, "user": user, "device_id": device}


def test_two_periods_of_means_per_user_and_device_and_nothing_else():
    engine = FakeInfluxDB3Local()
    engine.insert(
        "soil_moisture",
        [
            reading(5, 99.0),  # 12:05: older than two periods
            reading(10, 40.0),
            reading(19, 44.0),  # late, but within the look-back: counted
            reading(25, 50.0),
            reading(12, 70.0, user="morty"),
            reading(30, 1.0),  # 12:30: the unfinished window
        ],
    )
    written = plugin.process_scheduled_call(engine, CALL, {"target_database": "means", "tables": "soil_moisture"})
    assert written == 3
    assert sorted(engine.written) == sorted(
        [
            ("means", f"soil_moisture,device_id=01,user=rick reading=42.0 {NOON + 10 * MINUTE}"),
            ("means", f"soil_moisture,device_id=01,user=rick reading=50.0 {NOON + 20 * MINUTE}"),
            ("means", f"soil_moisture,device_id=01,user=morty reading=70.0 {NOON + 10 * MINUTE}"),
        ]
    )
    # The bounds travel as parameters, never in the SQL text.
    sql, params = engine.queries[0]
    assert params == {"start": "2026-12-02T12:10:00.000000000Z", "end": "2026-12-02T12:30:00.000000000Z"}
    assert "12:10" not in sql and "$start" in sql


def test_a_table_nobody_wrote_yet_is_skipped_and_the_others_are_done():
    engine = FakeInfluxDB3Local()
    engine.insert("light", [reading(15, 300.0)])
    assert plugin.process_scheduled_call(engine, CALL, {"tables": "soil_moisture,light"}) == 1
    assert engine.written == [("downsampled", f"light,device_id=01,user=rick reading=300.0 {NOON + 10 * MINUTE}")]
    assert any(level == "warn" and "soil_moisture" in message for level, message in engine.logs)


def test_a_table_name_that_is_not_a_plain_name_is_never_put_into_sql():
    engine = FakeInfluxDB3Local()
    plugin.process_scheduled_call(engine, CALL, {"tables": 'light"; DROP TABLE x; --'})
    assert engine.queries == []
    assert any(level == "warn" and "ignoring" in message for level, message in engine.logs)


def test_times_in_every_form_the_engine_may_hand_over():
    ns = NOON + 123_456_789
    assert plugin.to_ns(ns) == ns
    assert plugin.to_ns("2026-12-02T12:00:00.123456789") == ns
    assert plugin.to_ns("2026-12-02T12:00:00.123456789Z") == ns
    assert plugin.to_ns(datetime.datetime(2026, 12, 2, 12, 0, 0, 123456)) == ns - 789
    assert plugin.iso(ns) == "2026-12-02T12:00:00.123456789Z"
