"""Operator commands: `python -m chalicelib.cli recompute 2026-11` rebuilds a month's report counters from the
audit trail (against the AWS the environment names: TABLE_NAME, AWS_ENDPOINT_URL for the local emulator)."""

from __future__ import annotations

import argparse
import json
import sys

from chalicelib.bootstrap import services


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    recompute = commands.add_parser("recompute", help="rebuild a month's report from the audit trail")
    recompute.add_argument("month", help="YYYY-MM, in the policy's time zone")
    arguments = parser.parse_args(argv)
    running = services()
    service = running.reports
    month = service.check_month(arguments.month, running.clock.now())
    report = service.recompute(month)
    print(json.dumps(report["total"], ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
