#!/usr/bin/env bash
# Starts the action server, the Rasa server (REST channel, HTTP API; Rasa through bot.launch, with the
# project's patches) and the notification job (`qn-staff notify --loop`: reminders, expired holds, e-tickets a
# payment's own push missed); stopping this script stops all three.
# Ports: QN_ACTIONS_PORT (5055) and QN_RASA_PORT (5005). Assumes setup, training and loading were done
# (scripts/run.sh does all of it).
set -euo pipefail
cd "$(dirname "$0")/.."
ACTIONS_PORT=${QN_ACTIONS_PORT:-5055}
RASA_PORT=${QN_RASA_PORT:-5005}
# Where a verified payment's e-ticket and the notification job reach Rasa's trigger-intent API.
export QN_RASA_URL=${QN_RASA_URL:-http://127.0.0.1:$RASA_PORT}
endpoints=$(mktemp --suffix=.yml)
sed "s#http://localhost:5055/webhook#http://127.0.0.1:$ACTIONS_PORT/webhook#" endpoints.yml > "$endpoints"
.venv/bin/python -m actions --port "$ACTIONS_PORT" &
actions_pid=$!
.venv/bin/python -m bot.launch run --model models --endpoints "$endpoints" --credentials credentials.yml \
  --port "$RASA_PORT" --enable-api "$@" &
rasa_pid=$!
.venv/bin/qn-staff notify --loop &
notify_pid=$!
trap 'kill $actions_pid $rasa_pid $notify_pid 2>/dev/null; rm -f "$endpoints"' EXIT INT TERM
wait $rasa_pid
