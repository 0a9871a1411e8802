#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests (and for trying Attune against PostgreSQL):
# Debian's postgresql binaries, a data folder under /tmp, a free port on 127.0.0.1, trust
# authentication for the local user `attune`, fsync off. Run as root, the server runs as the
# unprivileged `postgres` user the Debian package creates (PostgreSQL refuses to run as root).
#   eval "$(Scripts/postgres-cluster.sh start)"   # exports ATTUNE_TEST_POSTGRES=postgres://attune@127.0.0.1:PORT/attune
#                                                 # and ATTUNE_TEST_POSTGRES_DATA (the folder)
#   Scripts/postgres-cluster.sh stop DATA         # stops it and removes the folder
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "PostgreSQL is not installed (Scripts/install-dependencies.sh --tests installs it)" >&2; exit 1; }
as_server() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "${1:-}" in
start)
    data=$(mktemp -d /tmp/attune-postgres.XXXXXX)
    chmod 755 "$data"
    [ "$(id -u)" -eq 0 ] && chown postgres "$data"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_server "$bin/initdb" -D "$data/cluster" -U attune -A trust -E UTF8 --locale=C > "$data/initdb.log" 2>&1 \
        || { cat "$data/initdb.log" >&2; exit 1; }
    as_server "$bin/pg_ctl" -D "$data/cluster" -l "$data/server.log" -w -t 60 \
        -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
        start > /dev/null || { cat "$data/server.log" >&2; exit 1; }
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U attune attune
    echo "export ATTUNE_TEST_POSTGRES=postgres://attune@127.0.0.1:$port/attune?sslmode=disable"
    echo "export ATTUNE_TEST_POSTGRES_DATA=$data"
    echo "export ATTUNE_TEST_POSTGRES_BIN=$bin"
    ;;
stop)
    data=${2:?usage: postgres-cluster.sh stop DATA}
    as_server "$bin/pg_ctl" -D "$data/cluster" -m immediate -w stop > /dev/null 2>&1 || true
    rm -rf "$data"
    ;;
*)
    echo "usage: postgres-cluster.sh start | stop DATA" >&2
    exit 2
    ;;
esac
