"""`make bench` (`python -m bench` from the project root): in-process benchmarks against moto.

Each benchmark prints one JSON object per line as it completes (`bench` names it) and appends it, with the
commit (`git_rev`) and a UTC timestamp, to `bench/results.jsonl`. `python -m bench ingest deadline` runs only
those; `--no-record` prints without appending. The benchmarks live in `bench.suites`.
"""
