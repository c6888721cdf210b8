#!/bin/sh
# Start one Rasa replica. No --enable-api: the HTTP API would hand out every conversation's facts. The endpoints file
# reads the tracker store, lock store and action server from the environment, so one image serves every setup.
set -eu
# Without it each replica would make its own key (channels/sessions.py) and refuse the others' socket.io tokens.
: "${TRIALBOT_SESSION_SECRET:?set TRIALBOT_SESSION_SECRET, the same in every Rasa replica}"
: "${TRIALBOT_ALLOWED_ORIGINS:?set TRIALBOT_ALLOWED_ORIGINS, the pages that may open a socket (space-separated)}"
export SANIC_WORKERS=1
# TRIALBOT_ALLOWED_ORIGINS is split on spaces on purpose: one --cors value per origin.
# shellcheck disable=SC2086
exec rasa run \
  --interface 0.0.0.0 \
  --port 5005 \
  --model models/trialbot.tar.gz \
  --credentials credentials.yml \
  --endpoints deploy/endpoints.prod.yml \
  --cors $TRIALBOT_ALLOWED_ORIGINS
