#!/usr/bin/env bash
# `make prod`: the bot as a service on one machine. QN_PROD_REPLICAS Rasa replicas (2) and QN_PROD_ACTION_SERVERS
# action servers (1) behind nginx; conversations in PostgreSQL, locked in Redis, every event published to
# RabbitMQ; knowledge and bookings in PostgreSQL (QN_DATABASE_URL, migrated first); Zalo, VNPAY and (with
# TELEGRAM_BOT_TOKEN) Telegram's webhook behind the same proxy; the notification job (`qn-staff notify --loop`:
# reminders, expired holds, missed e-tickets; each notice claimed once in the database, whichever process sends it).
# A process that exits is started again after 1 s.
# Stopping this script (Ctrl-C, SIGTERM) stops everything it started.
#
# Needs: nginx (Debian's package: apt-get install nginx), PostgreSQL, Redis and RabbitMQ reachable, a trained
# model (make train), QN_DATABASE_URL (PostgreSQL) and QN_TICKET_SECRET. Ports: QN_PROD_PORT (8080, public),
# QN_PROD_INTERNAL_PORT (8081, 127.0.0.1 only), replicas from QN_RASA_PORT (5005), action servers from
# QN_ACTIONS_PORT (5055), the Telegram bridge on TELEGRAM_WEBHOOK_PORT (8443). Logs and pids in QN_PROD_RUN_DIR
# (var/prod): <name>.log, <name>.pid (rasa-1, rasa-2, actions-1, insight, notify, telegram), nginx-*.log.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

fail() { echo "make prod: $*" >&2; exit 2; }
NGINX=${QN_NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
[ -x "$NGINX" ] || fail "nginx is not installed: apt-get install nginx (Debian, Ubuntu) or brew install nginx"
[ -x .venv/bin/python ] || fail "no .venv: run make setup"
compgen -G "models/*.tar.gz" > /dev/null || fail "no trained model in models/: run make train"

export QN_PROD_REPLICAS=${QN_PROD_REPLICAS:-2} QN_PROD_ACTION_SERVERS=${QN_PROD_ACTION_SERVERS:-1}
export QN_PROD_PORT=${QN_PROD_PORT:-8080} QN_PROD_INTERNAL_PORT=${QN_PROD_INTERNAL_PORT:-8081}
export QN_RASA_PORT=${QN_RASA_PORT:-5005} QN_ACTIONS_PORT=${QN_ACTIONS_PORT:-5055}
export QN_PROD_RUN_DIR=${QN_PROD_RUN_DIR:-$PWD/var/prod}
mkdir -p "$QN_PROD_RUN_DIR"
QN_PROD_RUN_DIR=$(cd "$QN_PROD_RUN_DIR" && pwd)
# Every database, Redis and RabbitMQ detail deploy/endpoints.prod.yml names, read from the settings (and checked).
exports=$(.venv/bin/python deploy/prod_config.py env) || exit 2
eval "$exports"
# Rasa's own lock per conversation only backs up the channels' shared line (bot/channels/shared.py), which already
# lets one turn of a conversation at a time into Rasa, on any replica. A short ticket lifetime means a replica
# killed in the middle of a turn holds that conversation back for 10 s, not Rasa's 60 s.
export TICKET_LOCK_LIFETIME=${TICKET_LOCK_LIFETIME:-10}
# Rasa's trigger-intent API (messages the bot sends first: a payment's e-ticket, reminders, expired holds), reached
# through nginx's internal port on any replica; the replicas enable the API on 127.0.0.1 only, and the public port
# answers 404 to it.
export QN_RASA_URL="http://127.0.0.1:$QN_PROD_INTERNAL_PORT"
# The staff page's store, written by its RabbitMQ consumer and read by the page on every replica.
export QN_CONVERSATIONS_URL=${QN_CONVERSATIONS_URL:-$QN_DATABASE_URL}

telegram=""
if [ -n "${TELEGRAM_BOT_TOKEN:-}" ]; then
  [ -n "${TELEGRAM_WEBHOOK_URL:-}" ] || fail "make prod runs Telegram in webhook mode: set TELEGRAM_WEBHOOK_URL (this \
server's public HTTPS address; Telegram posts to <url>/telegram) and TELEGRAM_WEBHOOK_SECRET"
  export QN_PROD_TELEGRAM_PORT=${TELEGRAM_WEBHOOK_PORT:-8443}
  telegram=yes
fi

echo "make prod: database schema"
.venv/bin/qn-staff migrate
stats=$(.venv/bin/qn-staff stats)
if grep -q "database is empty" <<< "$stats"; then
  echo "make prod: the knowledge base is empty; loading ${QN_KNOWLEDGE_DIR:-knowledge/}"
  .venv/bin/qn-staff load
fi
PYTHONWARNINGS=ignore .venv/bin/python deploy/prod_config.py tracker-store deploy/endpoints.prod.yml
.venv/bin/python deploy/prod_config.py nginx "$QN_PROD_RUN_DIR/nginx.conf"
"$NGINX" -t -q -p "$QN_PROD_RUN_DIR" -e "$QN_PROD_RUN_DIR/nginx-error.log" -c "$QN_PROD_RUN_DIR/nginx.conf"

supervisors=()
supervise() {  # NAME COMMAND...: run COMMAND, and again 1 s after each time it exits, until this script stops
  local name=$1
  shift
  (
    child=""
    trap '[ -n "$child" ] && kill "$child" 2>/dev/null; wait 2>/dev/null; exit 0' TERM INT
    while true; do
      "$@" >> "$QN_PROD_RUN_DIR/$name.log" 2>&1 &
      child=$!
      echo "$child" > "$QN_PROD_RUN_DIR/$name.pid"
      wait "$child" || true
      echo "make prod: $name exited; starting it again in 1 s" >&2
      sleep 1
    done
  ) &
  supervisors+=($!)
}
stop() {
  trap - EXIT INT TERM
  echo "make prod: stopping" >&2
  for pid in "${supervisors[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT
trap 'stop; exit 0' INT TERM

supervise nginx "$NGINX" -p "$QN_PROD_RUN_DIR" -e "$QN_PROD_RUN_DIR/nginx-error.log" -c "$QN_PROD_RUN_DIR/nginx.conf" \
  -g "daemon off;"
ready=()
for i in $(seq 1 "$QN_PROD_ACTION_SERVERS"); do
  port=$((QN_ACTIONS_PORT + i - 1))
  supervise "actions-$i" .venv/bin/python -m actions --port "$port"
  ready+=("http://127.0.0.1:$port/health")
done
for i in $(seq 1 "$QN_PROD_REPLICAS"); do
  port=$((QN_RASA_PORT + i - 1))
  supervise "rasa-$i" .venv/bin/python -m bot.launch run --model models --endpoints deploy/endpoints.prod.yml \
    --credentials credentials.yml --port "$port" --interface 127.0.0.1 --enable-api \
    ${QN_RASA_TOKEN:+--auth-token "$QN_RASA_TOKEN"}
  ready+=("http://127.0.0.1:$port/webhooks/rest/")
done
# The staff page's store: the conversation events RabbitMQ carries, one row per message (bot/insight).
supervise insight .venv/bin/qn-staff insight-consumer
# What the bot sends first: every QN_NOTIFY_EVERY_SECONDS; more than one running would still send each notice once.
supervise notify .venv/bin/qn-staff notify --loop
if [ -n "$telegram" ]; then
  supervise telegram env QN_RASA_URL="http://127.0.0.1:$QN_PROD_INTERNAL_PORT" TELEGRAM_WEBHOOK_LISTEN=127.0.0.1 \
    TELEGRAM_WEBHOOK_PORT="$QN_PROD_TELEGRAM_PORT" .venv/bin/python -m bot.channels.telegram
fi
.venv/bin/python deploy/prod_config.py wait "${ready[@]}" "http://127.0.0.1:$QN_PROD_PORT/webhooks/rest/"
echo "make prod: ready on port $QN_PROD_PORT ($QN_PROD_REPLICAS Rasa replicas, $QN_PROD_ACTION_SERVERS action \
server(s)${telegram:+, Telegram}); logs in $QN_PROD_RUN_DIR"
wait
