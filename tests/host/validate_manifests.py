#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Validates plugin manifests against manifests/manifest.schema.json with python3-jsonschema.
Source manifests hold @PLACEHOLDERS@ filled at build time; they are checked with sample values."""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
failed = False
for path in sys.argv[2:]:
    text = open(path).read()
    text = text.replace("@LIBRARY_SHA256@", "0" * 64).replace("@PROJECT_VERSION@", "0.0.0")
    errors = sorted(validator.iter_errors(json.loads(text)), key=lambda e: list(e.path))
    for e in errors:
        print(f"{path}: {'/'.join(map(str, e.path)) or '(root)'}: {e.message}")
        failed = True
    if not errors:
        print(f"{path}: valid")

# The schema must reject what the host rejects.
bad = json.loads(open(sys.argv[2]).read().replace("@LIBRARY_SHA256@", "0" * 64).replace("@PROJECT_VERSION@", "0"))
del bad["entry_symbol"]
if validator.is_valid(bad):
    print("schema accepts a manifest without entry_symbol")
    failed = True
bad["entry_symbol"] = "x"
bad["library_sha256"] = "not-a-checksum"
if validator.is_valid(bad):
    print("schema accepts a malformed checksum")
    failed = True
sys.exit(1 if failed else 0)
