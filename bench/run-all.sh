#!/usr/bin/env bash
# Every figure of issue 11, one script after another (about 80 minutes on 2 cores; docs/benchmarks.md).
#   bench/run-all.sh postgresql+psycopg://postgres@127.0.0.1:5432
# The argument is a PostgreSQL server; each script creates its own databases there and drops them after.
# Against a server with the production settings of docs/deploy.md: bench/run-all.sh "$(bench/tuned-cluster.sh start)"
# Run it on an otherwise idle machine: the wall-clock figures are only as good as the quiet around them.
set -euo pipefail
server=${1:?give a PostgreSQL server URL, e.g. postgresql+psycopg://postgres@127.0.0.1:5432}
cd "$(dirname "$0")"
python=${PYTHON:-../.venv/bin/python}
step() { printf '\n== %s (%s, load %s)\n' "$1" "$(date -u +%H:%M:%S)" "$(cut -d' ' -f1-3 /proc/loadavg)"; }
step "ingest, PostgreSQL, 10k / 100k / 1M stored"
"$python" ingest.py --database-url "$server/bench_ingest" --sizes 10000,100000,1000000
step "delivery, PostgreSQL, 100k backlog"
"$python" delivery.py --database-url "$server/bench_delivery" --backlog 100000 --no-loop
step "single-signal latency, PostgreSQL"
"$python" latency.py --database-url "$server/bench_latency" --duration 30
step "ingest, SQLite, 10k / 100k / 1M stored"
"$python" ingest.py --sizes 10000,100000,1000000
step "single-signal latency, SQLite"
"$python" latency.py --duration 30
step "adapter side"
"$python" adapter.py
step "done"
