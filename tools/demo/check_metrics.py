#!/usr/bin/python3
"""Checks a Prometheus text scrape of swim's exporter.

    check_metrics.py parse URL           # prints {"series": {...}} as JSON
    check_metrics.py moved BEFORE AFTER  # counters that grew, by member
    check_metrics.py documented SAMPLES DOC  # every family named in DOC

`parse` fetches URL and checks the text twice: with the reference parser
of Debian's python3-prometheus-client (prometheus_client.parser), and
against the exposition format's rules (docs/operations.md, "Metrics"):
every line is a comment or a sample; every family has one HELP and one
TYPE line before its samples, and its samples are contiguous; names and
label names are valid; counters end in _total; no series repeats; each
histogram's buckets are cumulative, end with le="+Inf", and that bucket
equals _count. It prints every sample as {"name{labels}": value}.
Exits 1 with the first violation.
"""

import json
import math
import re
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(
    rf"^({NAME})(\{{(?:{LABEL}(?:,{LABEL})*)?\}})? (\S+)( -?\d+)?$")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def fail(message):
    print(f"check_metrics: {message}", file=sys.stderr)
    sys.exit(1)


def family_of(name, types):
    if name in types:
        return name
    for suffix in ("_bucket", "_count", "_sum"):
        base = name[: -len(suffix)]
        if name.endswith(suffix) and types.get(base) in ("histogram",
                                                          "summary"):
            return base
    return None


def check(text):
    if not text.endswith("\n"):
        fail("the scrape does not end with a newline")
    helps, types, series, seen_families = {}, {}, {}, []
    for number, line in enumerate(text.split("\n")[:-1], 1):
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            parts = line.split(" ", 3)
            if len(parts) < 4 or not re.fullmatch(NAME, parts[2]):
                fail(f"line {number}: malformed {line!r}")
            table = helps if parts[1] == "HELP" else types
            if parts[2] in table:
                fail(f"line {number}: a second {parts[1]} for {parts[2]}")
            if parts[1] == "TYPE" and parts[3] not in TYPES:
                fail(f"line {number}: unknown type {parts[3]!r}")
            table[parts[2]] = parts[3]
            continue
        if line.startswith("#") or not line:
            fail(f"line {number}: unexpected {line!r}")
        match = SAMPLE.match(line)
        if not match:
            fail(f"line {number}: not a sample: {line!r}")
        family = family_of(match.group(1), types)
        if family is None or family not in helps:
            fail(f"line {number}: {match.group(1)} has no HELP and TYPE")
        if not seen_families or seen_families[-1] != family:
            if family in seen_families:
                fail(f"line {number}: samples of {family} are not together")
            seen_families.append(family)
        if types[family] == "counter" and not family.endswith("_total"):
            fail(f"counter {family} does not end in _total")
        key = match.group(1) + (match.group(2) or "")
        if key in series:
            fail(f"line {number}: {key} repeats")
        try:
            series[key] = float(match.group(3))
        except ValueError:
            fail(f"line {number}: value {match.group(3)!r}")
    for family in types:
        if types[family] != "histogram":
            continue
        buckets = {}
        for key, value in series.items():
            if key.startswith(family + "_bucket{"):
                labels = key[len(family) + 8:-1]
                le = re.search(r'le="([^"]*)"', labels).group(1)
                rest = re.sub(r',?le="[^"]*"', "", labels)
                buckets.setdefault(rest, []).append((float(le), value))
        for rest, points in buckets.items():
            points.sort()
            counts = [count for _, count in points]
            if counts != sorted(counts):
                fail(f"{family}{{{rest}}}: buckets are not cumulative")
            if not math.isinf(points[-1][0]):
                fail(f"{family}{{{rest}}}: no +Inf bucket")
            if series.get(f"{family}_count{{{rest}}}") != counts[-1]:
                fail(f"{family}{{{rest}}}: +Inf bucket is not _count")
    # The reference parser must read it too.
    parsed = sum(len(f.samples) for f in text_string_to_metric_families(text))
    if parsed != len(series):
        fail(f"the reference parser read {parsed} samples, not {len(series)}")
    return series


def main():
    if sys.argv[1] == "parse":
        text = urllib.request.urlopen(sys.argv[2], timeout=10).read().decode()
        print(json.dumps(check(text)))
    elif sys.argv[1] == "documented":
        # Every swim_ family of a scrape (its samples in JSON) is named in
        # the doc (the driver's counters by their pattern).
        samples = json.load(open(sys.argv[2]))
        doc = open(sys.argv[3]).read()
        names = {re.sub(r"_(bucket|count|sum)$", "", key.split("{")[0])
                 for key in samples if key.startswith("swim_")}
        missing = sorted(name for name in names
                         if not name.startswith("swim_driver_")
                         and f"`{name}`" not in doc)
        if missing:
            fail(f"not in {sys.argv[3]}: {' '.join(missing)}")
    elif sys.argv[1] == "moved":
        before = json.load(open(sys.argv[2]))
        after = json.load(open(sys.argv[3]))
        print(" ".join(sorted(
            key for key, value in after.items()
            if key in before and value > before[key])))
    else:
        fail(f"unknown command {sys.argv[1]!r}")


if __name__ == "__main__":
    main()
