#!/usr/bin/env python3
"""Writes an annotated-CSV response as InfluxDB 2.x sends it: ROWS rows in TABLES tables (one per
sensor), CRLF line endings, the datatype/group/default annotations.
Usage: generate_csv.py ROWS TABLES [FIRST_EPOCH_SECONDS STEP_SECONDS]"""
import sys
import time

rows, tables = int(sys.argv[1]), int(sys.argv[2])
base = int(sys.argv[3]) if len(sys.argv) > 3 else 1_700_000_000
step = int(sys.argv[4]) if len(sys.argv) > 4 else 10
out = sys.stdout
out.write("#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,double,string,string,string,string\r\n")
out.write("#group,false,false,true,true,false,false,true,true,true,true\r\n")
out.write("#default,_result,,,,,,,,,\r\n")
out.write(",result,table,_start,_stop,_time,_value,_field,_measurement,device_id,user\r\n")
sensors = ["soil_moisture", "light", "humidity", "soil_temp", "air_temp"]
per_table = rows // tables
for table in range(tables):
    measurement = sensors[table % len(sensors)]
    for i in range(per_table):
        t = base + i * step
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{i % 1000:03d}Z"
        out.write(f",,{table},2023-11-14T00:00:00Z,2023-11-20T00:00:00Z,{stamp},{40 + (i % 97) * 0.5},reading,{measurement},0{table % 10},rick\r\n")
out.write("\r\n")
