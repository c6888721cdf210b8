#!/usr/bin/env bash
# Run a command beside a throwaway PostgreSQL server: Debian's package (installed when missing), a data folder
# in a temporary directory, loopback only, stopped and deleted afterwards whatever happens (trap).
# The command sees TEST_POSTGRES_URL (an SQLAlchemy URL). Usage: scripts/with_postgres.sh COMMAND [ARGS...]
set -euo pipefail

find_bin() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$found" ] && [ -x "$found/initdb" ] && echo "$found"
}

BIN=$(find_bin || true)
if [ -z "$BIN" ]; then
  echo "with_postgres: PostgreSQL is missing; installing Debian's package" >&2
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
  BIN=$(find_bin) || { echo "with_postgres: PostgreSQL could not be installed" >&2; exit 1; }
fi

# initdb refuses to run as root: the server then runs as Debian's `postgres` user.
AS=()
if [ "$(id -u)" = 0 ]; then AS=(runuser -u postgres --); fi

DIR=$(mktemp -d /tmp/trialbot-pg.XXXXXX)
chmod 755 "$DIR"
[ "$(id -u)" = 0 ] && chown postgres "$DIR"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

stop() {
  "${AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap stop EXIT INT TERM

"${AS[@]}" "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
  || { cat "$DIR/initdb.log" >&2; exit 1; }
"${AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c synchronous_commit=off" start >/dev/null \
  || { cat "$DIR/server.log" >&2; exit 1; }
"$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres trialbot

export TEST_POSTGRES_URL="postgresql+psycopg2://postgres@127.0.0.1:$PORT/trialbot"
echo "with_postgres: throwaway PostgreSQL on 127.0.0.1:$PORT" >&2
"$@"
