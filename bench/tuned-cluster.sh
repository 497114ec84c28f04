#!/usr/bin/env bash
# A private PostgreSQL cluster with settings sized for a store of a million signals and more, so that the
# benchmarks can be run against it beside the machine's stock cluster (docs/benchmarks.md, "A server sized
# for the store"). It needs PostgreSQL's server programs (initdb, pg_ctl), as the machine's cluster does.
#
#   bench/tuned-cluster.sh start [DIR] [PORT]    initdb (first time only) and start; prints the server URL
#   bench/tuned-cluster.sh stop  [DIR]           stop it (the data stays in DIR until you remove it)
#
# DIR defaults to /tmp/signaalhub-tuned-pg, PORT to 5499. Run as root, it runs the server as the postgres
# user. The settings are the ones docs/deploy.md recommends for production. Autovacuum is on, as on any
# production server (this development machine's own cluster runs with it off).
set -euo pipefail
self=$(realpath "$0")
action=${1:-}
dir=$(realpath -m "${2:-/tmp/signaalhub-tuned-pg}")
port=${3:-5499}
cd /  # initdb and pg_ctl return to the caller's directory, which the postgres user may not enter
bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -x "$bin/initdb" ] || { echo "no PostgreSQL server programs found (set PG_BIN to the directory holding initdb)" >&2; exit 2; }
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$action" in
start)
    if as_owner "$bin/pg_ctl" --pgdata "$dir/data" status >/dev/null 2>&1; then  # already up: its own port
        echo "postgresql+psycopg://postgres@127.0.0.1:$(sed -n 4p "$dir/data/postmaster.pid")"
        exit 0
    fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        mkdir -p "$dir"
        [ "$(id -u)" = 0 ] && chown postgres "$dir"
        as_owner "$bin/initdb" --pgdata "$dir/data" --auth trust --username postgres --encoding UTF8 >/dev/null
    fi
    # shared_buffers: the token index of 1M signals (9M entries) and its tables stay in memory;
    # max_wal_size and checkpoint_timeout: checkpoints (and the full-page images written after each) come
    # minutes apart instead of every few seconds; wal_compression: those page images are smaller;
    # random_page_cost: the store is in memory, so a batch's reads go by the indexes, not by scanning a table.
    as_owner "$bin/pg_ctl" --pgdata "$dir/data" --log "$dir/server.log" --wait start -o "\
        -p $port -k $dir -c listen_addresses=127.0.0.1 \
        -c shared_buffers=2GB -c max_wal_size=8GB -c checkpoint_timeout=15min -c wal_compression=lz4 -c random_page_cost=1.1" >/dev/null
    echo "postgresql+psycopg://postgres@127.0.0.1:$port"
    ;;
stop)
    as_owner "$bin/pg_ctl" --pgdata "$dir/data" --mode fast --wait stop >/dev/null
    echo "stopped; remove $dir to free its disk space"
    ;;
*)
    sed -n '2,11p' "$self" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
