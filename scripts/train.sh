#!/usr/bin/env bash
# Train the Rasa model only when data, domain, config or the policy changed: the fingerprint of those files is kept
# beside the model, so an unchanged project reuses models/trialbot.tar.gz.
set -euo pipefail
cd "$(dirname "$0")/.."
fingerprint=$(cat config.yml domain.yml data/*.yml policies/*.py requirements/rasa.lock | sha256sum | cut -c1-16)
if [ -f models/trialbot.tar.gz ] && [ "$(cat models/.fingerprint 2>/dev/null)" = "$fingerprint" ]; then
  echo "train: data and config unchanged; using models/trialbot.tar.gz"
  exit 0
fi
start=$(date +%s)
RASA_TELEMETRY_ENABLED=false .venv/rasa/bin/rasa train --fixed-model-name trialbot --out models --quiet
echo "$fingerprint" > models/.fingerprint
echo "train: model trained in $(( $(date +%s) - start )) s"
