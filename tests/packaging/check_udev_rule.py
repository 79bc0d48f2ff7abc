#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Checks the reader's udev rule: every token is KEY{attr}OP"value" with a known key and a valid
operator, and it grants exactly the vendor/product ids the plugin manifest lists."""
import json
import re
import sys

rules_path, manifest_path = sys.argv[1], sys.argv[2]
KNOWN = {"ACTION", "SUBSYSTEM", "ENV", "ATTR", "ATTRS", "MODE", "GROUP", "TAG", "KERNEL", "DRIVER", "RUN", "OWNER"}
token = re.compile(r'^(?P<key>[A-Z]+)(\{(?P<attr>[^}]+)\})?(?P<op>==|!=|\+=|-=|:=|=)"(?P<value>[^"]*)"$')
ids = set()
problems = []
for number, line in enumerate(open(rules_path), 1):
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    fields = {}
    for part in [p.strip() for p in line.split(",")]:
        m = token.match(part)
        if not m:
            problems.append(f"line {number}: cannot parse {part!r}")
            continue
        if m["key"] not in KNOWN:
            problems.append(f"line {number}: unknown key {m['key']}")
        if m["key"] in ("ACTION", "SUBSYSTEM") and m["op"] not in ("==", "!="):
            problems.append(f"line {number}: {m['key']} must be matched with ==")
        fields[(m["key"], m["attr"])] = m["value"]
    vid, pid = fields.get(("ATTR", "idVendor")), fields.get(("ATTR", "idProduct"))
    if vid and pid:
        ids.add((vid.lower(), pid.lower()))
        if ("TAG", None) not in fields or "uaccess" not in fields[("TAG", None)]:
            problems.append(f"line {number}: no uaccess tag for the logged-in user")
        if fields.get(("ATTR", "power/control")) != "on":
            problems.append(f"line {number}: USB autosuspend is not turned off")
manifest = json.load(open(manifest_path))
wanted = {(u["vendor_id"].lower().removeprefix("0x"), u["product_id"].lower().removeprefix("0x")) for u in manifest["usb_ids"]}
if ids != wanted:
    problems.append(f"the rule grants {sorted(ids)} but the manifest lists {sorted(wanted)}")
for p in problems:
    print(f"{rules_path}: {p}")
print("udev rule OK" if not problems else "udev rule has problems")
sys.exit(1 if problems else 0)
