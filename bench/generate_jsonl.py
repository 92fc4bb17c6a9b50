#!/usr/bin/env python3
"""Writes what InfluxDB 3 answers to the gateway's SQL for a chart, as `jsonl`: ROWS window means in
TABLES series (one per sensor, ordered by measurement, device and time, times naive UTC as 3.x
writes them) to stdout, and each series' latest reading to LATEST_FILE.
Usage: generate_jsonl.py ROWS TABLES FIRST_EPOCH_SECONDS STEP_SECONDS LATEST_FILE"""
import json
import sys
import time

rows, tables, base, step, latest_path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
sensors = sorted(["soil_moisture", "light", "humidity", "soil_temp", "air_temp"])
per_table = rows // tables
latest = []
for table in range(tables):
    measurement = sensors[table % len(sensors)]
    row = None
    for i in range(per_table):
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(base + i * step))
        row = {"measurement": measurement, "device_id": f"0{table % 10}", "bucket_start": stamp, "reading": 40 + (i % 97) * 0.5}
        sys.stdout.write(json.dumps(row, separators=(",", ":")) + "\n")
    latest.append(row)
with open(latest_path, "w") as file:
    file.writelines(json.dumps(row, separators=(",", ":")) + "\n" for row in latest)
