#!/bin/sh
# Regenerate the promptfoo fixtures offline (promptfoo 0.121.20, deterministic provider).
#   npm install promptfoo@0.121.20   (into any folder; PF points at its .bin/promptfoo)
set -e
PF=${PF:-promptfoo}
export PROMPTFOO_DISABLE_TELEMETRY=1 PROMPTFOO_DISABLE_UPDATE=1 PROMPTFOO_DISABLE_SHARING=1
export PROMPTFOO_CONFIG_DIR=${PROMPTFOO_CONFIG_DIR:-$(mktemp -d)}
cd "$(dirname "$0")"
"$PF" eval -c promptfooconfig.yaml --no-cache --no-table \
  -o results.json -o results.csv -o results.jsonl || true   # exit 100: some tests fail
(cd two-providers && "$PF" eval -c promptfooconfig.yaml --no-cache --no-table \
  -o results.csv -o results.json || true)
