#!/usr/bin/env bash
# One command for a newcomer: set up, train if needed, load the knowledge files into SQLite, start the
# action server, and open a chat with the bot in this terminal. Type /stop to leave.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/train.sh
.venv/bin/qn-staff load
ACTIONS_PORT=${QN_ACTIONS_PORT:-5055}
.venv/bin/python -m rasa_sdk --actions actions --port "$ACTIONS_PORT" > var/actions.log 2>&1 &
actions_pid=$!
trap 'kill $actions_pid 2>/dev/null' EXIT
echo "run: action server started (log: var/actions.log); opening the chat, type /stop to leave"
.venv/bin/rasa shell --model models --endpoints endpoints.yml --quiet
