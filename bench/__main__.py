"""`python -m bench [name ...] [--no-record]`: run the benchmarks (all by default), print one JSON row per
line as each completes, and append each, with `git_rev` and a UTC `timestamp`, to bench/results.jsonl."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter
from typing import Any

from bench.suites import ROOT, SUITES, prepare_environment

RESULTS = ROOT / "bench" / "results.jsonl"


def git_rev() -> str:
    """The short hash of HEAD, or "unknown" outside a git checkout."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return done.stdout.strip() or "unknown"


def record(row: dict[str, Any], results: Path) -> None:
    """Append one row as a JSON line (the file and its directory are made when missing)."""
    results.parent.mkdir(parents=True, exist_ok=True)
    with results.open("a", encoding="utf-8") as out:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="name", help=f"benchmarks to run: {', '.join(SUITES)}")
    parser.add_argument("--no-record", action="store_true", help="print only; do not append to results.jsonl")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in SUITES]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(SUITES)}")
    prepare_environment()
    rev = git_rev()
    started = perf_counter()
    rows = 0
    for name in args.names or list(SUITES):
        for row in SUITES[name]():
            stamped = {**row, "git_rev": rev, "timestamp": datetime.now(UTC).isoformat(timespec="seconds")}
            print(json.dumps(stamped, ensure_ascii=False), flush=True)
            if not args.no_record:
                record(stamped, RESULTS)
            rows += 1
    where = "printed only" if args.no_record else f"appended to {RESULTS.relative_to(ROOT)}"
    print(f"bench: {rows} rows in {perf_counter() - started:.1f} s, {where}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
