#!/usr/bin/env bash
# Tries cluster mode on one machine: two Parley nodes on PostgreSQL and NATS behind nginx.
# Needs PostgreSQL (a database it may create), nats-server and nginx installed; the nodes run
# from this checkout (build first: npx tsc -b). Ctrl-C stops the nodes and nginx.
#
#   deploy/cluster/run-local.sh            # nginx on :8080, nodes on :8081 and :8082
#
# Env: PARLEY_PG_URL (default postgres://postgres@127.0.0.1:5432/parley; the database is
# created if missing), PARLEY_NATS (default nats://127.0.0.1:4222; a local nats-server is
# started if nothing answers there).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
pg_url="${PARLEY_PG_URL:-postgres://postgres@127.0.0.1:5432/parley}"
nats_url="${PARLEY_NATS:-nats://127.0.0.1:4222}"
work="$(mktemp -d -t parley-cluster-XXXXXX)"
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

db="${pg_url##*/}"
admin_url="${pg_url%/*}/postgres"
if ! psql "$admin_url" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
  psql "$admin_url" -c "CREATE DATABASE \"$db\""
fi

nats_host="${nats_url#nats://}"
if ! timeout 2 bash -c "exec 3<>/dev/tcp/${nats_host%:*}/${nats_host##*:}" 2>/dev/null; then
  nats-server -a "${nats_host%:*}" -p "${nats_host##*:}" &
  pids+=($!)
fi

for port in 8081 8082; do
  PARLEY_MODE=cluster \
  PARLEY_CLUSTER__POSTGRES_URL="$pg_url" \
  PARLEY_CLUSTER__NATS_SERVERS="$nats_url" \
  PARLEY_CLUSTER__NODE_NAME="node-$port" \
  PARLEY_SERVER__PORT="$port" \
    node --max-semi-space-size=64 "$root/apps/cli/dist/bin/parley.js" serve &
  pids+=($!)
done

mkdir -p "$work/nginx"
{
  echo "daemon off; worker_processes 1; pid $work/nginx/nginx.pid; error_log stderr warn;"
  echo "events { worker_connections 4096; }"
  echo "http { access_log off;"
  for kind in client_body proxy fastcgi uwsgi scgi; do echo "  ${kind}_temp_path $work/nginx/$kind;"; done
  cat "$root/deploy/nginx.conf"
  echo "}"
} > "$work/nginx/nginx.conf"
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" &
pids+=($!)

echo "Parley cluster: http://127.0.0.1:8080 (nodes :8081, :8082; metrics at http://127.0.0.1:8081/metrics)"
wait -n
