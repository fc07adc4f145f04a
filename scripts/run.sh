#!/usr/bin/env bash
# One command for a newcomer: set up, train if needed, load the knowledge files into SQLite, start the
# action server and the Rasa server, and open a chat in this terminal. /stop leaves and stops both servers.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/train.sh
.venv/bin/qn-staff load
# The national portal's procedure records, where this machine has them (not part of the project: see README).
portal=${QN_PORTAL_DIR:-../shared/data/dvc}
if [ -d "$portal" ]; then .venv/bin/qn-staff import-portal "$portal" | tail -n 1; fi
mkdir -p var
QN_RASA_PORT=${QN_RASA_PORT:-5005}
scripts/serve.sh > var/server.log 2>&1 &
server_pid=$!
trap 'kill $server_pid 2>/dev/null; wait $server_pid 2>/dev/null || true' EXIT
echo "run: starting the bot (log: var/server.log) ..."
for _ in $(seq 1 120); do
  if .venv/bin/python -c "import urllib.request as u; u.urlopen('http://localhost:$QN_RASA_PORT/status', timeout=2)" \
       > /dev/null 2>&1; then break; fi
  if ! kill -0 $server_pid 2>/dev/null; then echo "run: the bot failed to start; see var/server.log"; exit 1; fi
  sleep 1
done
.venv/bin/python -m bot.channels.terminal --url "http://localhost:$QN_RASA_PORT/webhooks/rest/webhook"
