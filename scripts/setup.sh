#!/usr/bin/env bash
# Build the two Python 3.10 environments DESIGN.md describes, inside the repo:
#   .venv/actions  rasa-sdk + bot (spaCy 3.7, SQLAlchemy 2, pint), with the `trialbot` command
#   .venv/rasa     rasa 3.6.21 (its own pins: SQLAlchemy 1.4, TensorFlow 2.12)
# Each is rebuilt only when its lock file (or pyproject.toml) changed.
set -euo pipefail
cd "$(dirname "$0")/.."
which_envs="${1:-all}"

find_python() {
  local candidate
  if command -v pyenv >/dev/null 2>&1; then
    for v in ${PYENV_VERSION:-} $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.|$)' | sort -rV); do
      case "$v" in 3.10*) candidate=$(PYENV_VERSION="$v" pyenv which python 2>/dev/null || true)
        [ -n "$candidate" ] && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null \
          && { echo "$candidate"; return 0; } ;; esac
    done
  fi
  for candidate in python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  return 1
}

PY=$(find_python) || {
  echo "setup: Python 3.10 is required (Rasa 3.6 runs on 3.8-3.10 only) and none was found." >&2
  echo "setup: install it (e.g. 'pyenv install 3.10.13') or put python3.10 on PATH, then run 'make setup' again." >&2
  exit 1
}

quiet() {  # run a command; show its output only when it fails
  local log
  log=$(mktemp)
  if ! "$@" >"$log" 2>&1; then
    grep -v "is ignored: it is neither" "$log" >&2 || true
    rm -f "$log"
    echo "setup: failed: $*" >&2
    exit 1
  fi
  rm -f "$log"
}

stamp_of() { cat "$@" | sha256sum | cut -c1-16; }

build() {  # name lockfile extra-install-command...
  local name=$1 lock=$2; shift 2
  local dir=.venv/$name want have
  want=$(stamp_of "$lock" pyproject.toml)
  have=$(cat "$dir/.stamp" 2>/dev/null || true)
  if [ "$want" = "$have" ] && [ -x "$dir/bin/python" ]; then
    echo "setup: $dir is up to date"
    return 0
  fi
  echo "setup: building $dir with $PY (this takes a few minutes the first time)"
  rm -rf "$dir"
  "$PY" -m venv "$dir"
  quiet "$dir/bin/python" -m pip install --upgrade "pip<24.1" "setuptools<70" wheel
  quiet "$dir/bin/python" -m pip install -r "$lock"
  "$dir/bin/python" -m pip check >/dev/null 2>&1 || echo "setup: note: pip check reports conflicts in $dir"
  "$@"
  echo "$want" > "$dir/.stamp"
}

install_bot() {
  quiet .venv/actions/bin/python -m pip install --no-deps --no-build-isolation -e .
  .venv/actions/bin/trialbot --help >/dev/null
}

mkdir -p .venv
case "$which_envs" in
  actions) build actions requirements/actions.lock install_bot ;;
  rasa) build rasa requirements/rasa.lock true ;;
  all) build actions requirements/actions.lock install_bot; build rasa requirements/rasa.lock true ;;
  *) echo "usage: scripts/setup.sh [actions|rasa|all]" >&2; exit 2 ;;
esac
