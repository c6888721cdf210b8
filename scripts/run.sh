#!/usr/bin/env bash
# Serve the assistant: the catalogue loaded, a model trained only when data or config changed,
# the action server on 5055, Rasa (REST and socket.io) on 5005 and the demo page with the chat widget on 8080.
# Ctrl-C stops them all.
# PROFILE=prod (make run PROFILE=prod): PostgreSQL and Redis (given by variables), an action server with several
# workers and several Rasa processes behind nginx: deploy/prod/serve.py, the variables in the README.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD" RASA_TELEMETRY_ENABLED=false

case "${PROFILE:-}" in
  "" | embedded) ;;
  prod)
    # Every variable is checked before anything is loaded or started; then the catalogue (DATABASE_URL) and the model.
    .venv/actions/bin/python deploy/prod/serve.py check
    .venv/actions/bin/trialbot trials load
    scripts/train.sh
    exec .venv/actions/bin/python deploy/prod/serve.py serve
    ;;
  *) echo "run: unknown PROFILE '$PROFILE' (leave it empty for the embedded profile, or prod)" >&2; exit 2 ;;
esac

.venv/actions/bin/trialbot trials load
mkdir -p var
.venv/actions/bin/trialbot conversations purge
scripts/train.sh
scripts/web_setup.sh

pids=()
stop() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap stop EXIT INT TERM

# Loopback only: rasa-sdk binds to SANIC_HOST (0.0.0.0 when unset), and its requests carry the whole tracker.
SANIC_HOST=127.0.0.1 .venv/actions/bin/python -m rasa_sdk --actions actions --port 5055 &
pids+=($!)
# Loopback only and no HTTP API: the tracker API would hand out every conversation's health facts.
.venv/rasa/bin/rasa run -i 127.0.0.1 --port 5005 --cors "http://localhost:8080" "http://127.0.0.1:8080" \
  --model models/trialbot.tar.gz --credentials credentials.yml --endpoints endpoints.yml &
pids+=($!)
# The demo page and the widget (web/dist, built by scripts/web_setup.sh), loopback only.
.venv/actions/bin/python web/serve.py --bind 127.0.0.1 --port 8080 --server http://localhost:5005 &
pids+=($!)
echo "run: Rasa on http://localhost:5005 (REST: /webhooks/rest/webhook, socket.io), actions on http://localhost:5055"
echo "run: the demo page with the chat widget on http://localhost:8080"
wait -n "${pids[@]}"
