#!/usr/bin/env bash
# Makes sure the local services that the contract and cluster tests use are answering:
# PostgreSQL on 127.0.0.1:5432, Redis on 127.0.0.1:6379 and NATS (with JetStream) on
# 127.0.0.1:4222, and that the nginx binary the cluster tests start and the chromium the browser
# test drives are installed. A service that does not answer is started with the Debian packages' own
# binaries, then every service is polled until it answers or its deadline passes.
# Idempotent: running it again with everything up only checks. Starting needs root.
#
# Usage: scripts/services.sh [postgres|redis|nats ...]   (default: all three)
# Env:   PARLEY_SERVICES_TIMEOUT  seconds to wait for each service (default 30)
set -euo pipefail

timeout_s="${PARLEY_SERVICES_TIMEOUT:-30}"

# Succeeds when something accepts a TCP connection on host $1, port $2.
tcp_open() {
  # shellcheck disable=SC2016 # expanded by the inner bash, from its arguments
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

postgres_ready() {
  if command -v pg_isready >/dev/null; then
    pg_isready -q -h 127.0.0.1 -p 5432 -t 2
  else
    tcp_open 127.0.0.1 5432
  fi
}

redis_ready() {
  if command -v redis-cli >/dev/null; then
    [[ $(timeout 2 redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null) == PONG ]]
  else
    tcp_open 127.0.0.1 6379
  fi
}

# A NATS server greets every client with an INFO line.
nats_ready() {
  [[ $(timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/4222 && head -c 4 <&3' 2>/dev/null) == INFO ]]
}

postgres_start() {
  local version
  version="$(ls /etc/postgresql)"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
}

redis_start() {
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
}

nats_start() {
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
}

describe() {
  case "$1" in
    postgres) echo "PostgreSQL 127.0.0.1:5432" ;;
    redis) echo "Redis 127.0.0.1:6379" ;;
    nats) echo "NATS 127.0.0.1:4222" ;;
  esac
}

log_of() {
  case "$1" in
    postgres) echo "/var/log/postgresql/" ;;
    redis) echo "/var/log/redis/ci.log" ;;
    nats) echo "/var/log/nats-server.log" ;;
  esac
}

services=("$@")
if ((${#services[@]} == 0)); then
  services=(postgres redis nats)
fi
for service in "${services[@]}"; do
  case "$service" in
    postgres | redis | nats) ;;
    *)
      echo "services: unknown service '$service' (expected postgres, redis or nats)" >&2
      exit 2
      ;;
  esac
done

# Start everything that is down first, so the services come up in parallel.
for service in "${services[@]}"; do
  if "${service}_ready"; then
    echo "services: $(describe "$service") is up"
  else
    echo "services: $(describe "$service") does not answer; starting it"
    # A failed start is reported by the wait below, with the service's name and log.
    "${service}_start" || echo "services: the start command for $service failed" >&2
  fi
done

failed=()
for service in "${services[@]}"; do
  deadline=$((SECONDS + timeout_s))
  until "${service}_ready"; do
    if ((SECONDS >= deadline)); then
      echo "services: $(describe "$service") did not answer within ${timeout_s}s; see $(log_of "$service")" >&2
      failed+=("$service")
      break
    fi
    sleep 0.5
  done
done

if ((${#failed[@]} > 0)); then
  echo "services: not available: ${failed[*]}" >&2
  exit 1
fi
echo "services: all answering (${services[*]})"

# The cluster tests run nginx themselves (a child process on a free port, never the system
# service): only the binary must be here. Debian's nginx-light package has everything they use.
if [[ -x /usr/sbin/nginx ]]; then
  echo "services: nginx binary present ($(/usr/sbin/nginx -v 2>&1))"
else
  echo "services: nginx is missing; installing Debian's nginx-light"
  if ! { apt-get install -y --no-install-recommends nginx-light >/dev/null 2>&1 ||
    { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends nginx-light >/dev/null 2>&1; }; }; then
    echo "services: could not install nginx (apt-get as root is needed)" >&2
    exit 1
  fi
  # The package starts the system service on port 80; the tests do not use it.
  service nginx stop >/dev/null 2>&1 || /usr/sbin/nginx -s stop >/dev/null 2>&1 || true
fi

# The SDK's browser test drives Debian's chromium through playwright-core (which downloads no
# browser of its own).
if [[ -x /usr/bin/chromium ]]; then
  echo "services: chromium present ($(/usr/bin/chromium --version 2>/dev/null | head -1))"
else
  echo "services: chromium is missing; installing Debian's chromium"
  if ! { apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 ||
    { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends chromium >/dev/null 2>&1; }; }; then
    echo "services: could not install chromium (apt-get as root is needed)" >&2
    exit 1
  fi
fi
