#!/usr/bin/env python3
"""Validate RFC 8460 TLS-RPT reports against tests/schema/tlsrpt-report.schema.json.

usage: validate-tlsrpt.py SCHEMA REPORT.json...

Prints one line per invalid report (file, JSON path, message) and a last
line "N valid, M invalid"; exits 1 when any report is invalid or unreadable,
2 when the schema itself is not a valid JSON Schema. Formats (ipv4, ipv6,
uri) are checked. Needs the jsonschema module (Debian: python3-jsonschema).
"""
import json
import sys

import jsonschema


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.exceptions.SchemaError as e:
        print(f"{argv[1]}: not a valid schema: {e.message}")
        return 2
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    good = bad = 0
    for path in argv[2:]:
        try:
            with open(path, encoding="utf-8") as f:
                report = json.load(f)
        except (OSError, ValueError) as e:
            print(f"{path}: unreadable: {e}")
            bad += 1
            continue
        errors = sorted(validator.iter_errors(report), key=lambda e: list(e.absolute_path))
        for e in errors:
            where = "/".join(str(p) for p in e.absolute_path) or "(top)"
            print(f"{path}: {where}: {e.message}")
        if errors:
            bad += 1
        else:
            good += 1
    print(f"{good} valid, {bad} invalid")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
