#!/usr/bin/env bash
# Starts the action server and the Rasa server (REST channel, HTTP API; Rasa through bot.launch, with the
# project's patches); stopping this script stops both.
# Ports: QN_ACTIONS_PORT (5055) and QN_RASA_PORT (5005). Assumes setup, training and loading were done
# (scripts/run.sh does all of it).
set -euo pipefail
cd "$(dirname "$0")/.."
ACTIONS_PORT=${QN_ACTIONS_PORT:-5055}
RASA_PORT=${QN_RASA_PORT:-5005}
endpoints=$(mktemp --suffix=.yml)
sed "s#http://localhost:5055/webhook#http://127.0.0.1:$ACTIONS_PORT/webhook#" endpoints.yml > "$endpoints"
.venv/bin/python -m rasa_sdk --actions actions --port "$ACTIONS_PORT" &
actions_pid=$!
.venv/bin/python -m bot.launch run --model models --endpoints "$endpoints" --credentials credentials.yml \
  --port "$RASA_PORT" --enable-api "$@" &
rasa_pid=$!
trap 'kill $actions_pid $rasa_pid 2>/dev/null; rm -f "$endpoints"' EXIT INT TERM
wait $rasa_pid
