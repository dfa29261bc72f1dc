#!/usr/bin/env python3
"""Queries over swim-demo's --json-events output, for the end-to-end tests.

  json_events.py status FILE MEMBER        latest status of MEMBER seen in
                                           FILE (NONE if never seen)
  json_events.py tokens FILE MEMBER        distinct 'token' values of MEMBER
                                           seen in FILE
  json_events.py check FILE                every line is one JSON object with
                                           the documented fields

Exit status 0, printing the answer; 1 if FILE has a line that is not JSON.
"""

import json
import sys

STATUSES = {"ONLINE", "SUSPECT", "OFFLINE", "LEFT"}


def events(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.endswith("\n"):
                yield json.loads(line)
            # A last line without its newline is still being written.


def main(argv):
    command, path = argv[1], argv[2]
    if command == "status":
        status = "NONE"
        for event in events(path):
            if event["member"] == argv[3] and event["observer"] != argv[3]:
                status = event["status"]
        print(status)
    elif command == "tokens":
        tokens = {event["metadata"]["token"] for event in events(path)
                  if event["member"] == argv[3]
                  and "token" in event["metadata"]}
        print(len(tokens))
    elif command == "check":
        count = 0
        for event in events(path):
            assert isinstance(event, dict), event
            for field in ("event", "observer", "member", "status",
                          "metadata", "t"):
                assert field in event, (field, event)
            assert event["status"] in STATUSES, event
            assert isinstance(event["metadata"], dict), event
            assert isinstance(event["t"], (int, float)), event
            count += 1
        print(count)
    else:
        sys.exit("unknown command " + command)


if __name__ == "__main__":
    try:
        main(sys.argv)
    except (ValueError, AssertionError) as error:
        print(error, file=sys.stderr)
        sys.exit(1)
