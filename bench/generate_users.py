#!/usr/bin/env python3
"""Writes a users file of N users, each with R alert rules, and their device tokens, one a line.

For bench/alerts.sh: making 10,000 rules through the CLI would time the CLI, not the gateway. The
file has the gateway's own format (users.json); the rules watch soil moisture and light of device 01
with thresholds the benchmark's readings never cross, and one silence rule, so readings are judged
against every rule and no alert fires. Usage: generate_users.py USERS RULES DATA_DIR TOKENS_FILE
"""
import hashlib
import json
import os
import sys

users, rules, data, tokens_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
os.makedirs(data, exist_ok=True)
records, tokens = [], []
for number in range(users):
    token = f"pbd_bench{number:06d}" + "x" * 32
    tokens.append(token)
    own = []
    for index in range(rules):
        if index == rules - 1:
            condition = {"kind": "silent", "seconds": 3600}
        elif index % 2 == 0:
            condition = {"kind": "below", "value": 10 + index}
        else:
            condition = {"kind": "above", "value": 5000 + index}
        own.append({"id": f"r{number:04x}{index:04x}", "sensor": "soil_moisture" if index % 3 else "light",
                    "deviceID": "01", "condition": condition})
    record = {"name": f"bench{number}", "tokenSHA256": hashlib.sha256(token.encode()).hexdigest(),
              "createdAt": "2026-12-01T00:00:00Z"}
    if own:
        record["rules"] = own
    records.append(record)
with open(os.path.join(data, "users.json"), "w") as file:
    json.dump({"version": 1, "users": records}, file)
os.chmod(os.path.join(data, "users.json"), 0o600)
with open(tokens_path, "w") as file:
    file.write("\n".join(tokens) + "\n")
