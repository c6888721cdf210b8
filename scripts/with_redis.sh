#!/usr/bin/env bash
# Run a command beside a throwaway Redis server: Debian's package (installed when missing), loopback only, nothing
# written to disk, stopped and its folder deleted afterwards whatever happens (trap).
# The command sees TEST_REDIS_HOST and TEST_REDIS_PORT. Usage: scripts/with_redis.sh COMMAND [ARGS...]
set -euo pipefail

BIN=$(command -v redis-server || true)
if [ -z "$BIN" ]; then
  echo "with_redis: Redis is missing; installing Debian's package" >&2
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
  BIN=$(command -v redis-server) || { echo "with_redis: Redis could not be installed" >&2; exit 1; }
fi

DIR=$(mktemp -d /tmp/trialbot-redis.XXXXXX)
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN" --bind 127.0.0.1 --port "$PORT" --dir "$DIR" --save "" --appendonly no --daemonize no \
  >"$DIR/server.log" 2>&1 &
PID=$!

stop() {
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  rm -rf "$DIR"
}
trap stop EXIT INT TERM

for _ in $(seq 50); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
  kill -0 "$PID" 2>/dev/null || { cat "$DIR/server.log" >&2; exit 1; }
  sleep 0.1
done

export TEST_REDIS_HOST=127.0.0.1 TEST_REDIS_PORT="$PORT"
echo "with_redis: throwaway Redis on 127.0.0.1:$PORT" >&2
"$@"
