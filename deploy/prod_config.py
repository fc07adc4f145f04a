"""The parts of `make prod` (scripts/prod.sh) that read settings: run by the script, not by hand.

    python deploy/prod_config.py env                 shell exports for deploy/endpoints.prod.yml, from the settings;
                                                     refuses (exit 2, with the reason) what production cannot run on
    python deploy/prod_config.py nginx OUT           deploy/nginx.conf.template filled in, written to OUT
    python deploy/prod_config.py tracker-store FILE  creates the conversations' table once, before the replicas
                                                     start (two replicas creating it at once could collide)
    python deploy/prod_config.py wait URL...         waits until each URL answers (QN_PROD_START_SECONDS, 300)
"""
from __future__ import annotations

import argparse
import os
import shlex
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bot.settings import Settings, SettingsError, ticket_secret

DEPLOY = Path(__file__).resolve().parent


class NotReady(RuntimeError):
    """Production cannot start as configured; the message says what to do."""


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=3):
            return True
    except OSError:
        return False


def exports(settings: Settings) -> dict[str, str]:
    """The variables deploy/endpoints.prod.yml names, from QN_DATABASE_URL, QN_REDIS_URL and QN_RABBITMQ_URL."""
    from sqlalchemy.engine import make_url

    database = make_url(settings.database_url)
    if not database.drivername.startswith("postgresql"):
        raise NotReady("production keeps knowledge, bookings and conversations in PostgreSQL: set QN_DATABASE_URL, "
                       "e.g. postgresql+psycopg2://qn:PASSWORD@127.0.0.1:5432/qn")
    try:
        ticket_secret(settings)
    except SettingsError as error:
        raise NotReady(str(error)) from error
    redis = urlsplit(settings.redis_url or "redis://127.0.0.1:6379/0")
    rabbit = urlsplit(settings.rabbitmq_url)
    found = {
        "QN_PROD_DB_HOST": database.host or "127.0.0.1", "QN_PROD_DB_PORT": str(database.port or 5432),
        "QN_PROD_DB_NAME": database.database or "", "QN_PROD_DB_USER": database.username or "",
        "QN_PROD_DB_PASSWORD": database.password or "",
        "QN_REDIS_URL": settings.redis_url or "redis://127.0.0.1:6379/0",
        "QN_PROD_REDIS_HOST": redis.hostname or "127.0.0.1", "QN_PROD_REDIS_PORT": str(redis.port or 6379),
        "QN_PROD_REDIS_DB": (redis.path or "/0").strip("/") or "0",
        "QN_PROD_REDIS_PASSWORD": unquote(redis.password or ""), "QN_REDIS_PREFIX": settings.redis_key_prefix,
        "QN_PROD_RABBITMQ_HOST": rabbit.hostname or "127.0.0.1", "QN_PROD_RABBITMQ_PORT": str(rabbit.port or 5672),
        "QN_PROD_RABBITMQ_USER": unquote(rabbit.username or "guest"),
        "QN_PROD_RABBITMQ_PASSWORD": unquote(rabbit.password or "guest"), "QN_EVENTS_QUEUE": settings.events_queue,
    }
    for name, host, port, variable in (
            ("PostgreSQL", found["QN_PROD_DB_HOST"], found["QN_PROD_DB_PORT"], "QN_DATABASE_URL"),
            ("Redis", found["QN_PROD_REDIS_HOST"], found["QN_PROD_REDIS_PORT"], "QN_REDIS_URL"),
            ("RabbitMQ", found["QN_PROD_RABBITMQ_HOST"], found["QN_PROD_RABBITMQ_PORT"], "QN_RABBITMQ_URL")):
        if not reachable(host, int(port)):
            raise NotReady(f"{name} is not reachable at {host}:{port}: start it, or point {variable} at yours "
                           "(Debian: apt-get install postgresql redis-server rabbitmq-server)")
    return found


def render_nginx(environ: dict[str, str]) -> str:
    """The template with the ports, upstreams and TLS lines of this run (the QN_PROD_* variables prod.sh sets)."""
    def servers(first_port: str, count: str) -> str:
        # A server that refused a connection is left alone for 5 s, then tried again (a restarted replica).
        return "\n".join(f"        server 127.0.0.1:{int(first_port) + i} max_fails=1 fail_timeout=5s;"
                         for i in range(int(count)))

    public = environ["QN_PROD_PORT"]
    tls_cert, tls_key = environ.get("QN_PROD_TLS_CERT", ""), environ.get("QN_PROD_TLS_KEY", "")
    tls = ""
    if tls_cert and tls_key:
        public += " ssl"
        tls = f"        ssl_certificate {tls_cert};\n        ssl_certificate_key {tls_key};"
    telegram = ""
    if environ.get("QN_PROD_TELEGRAM_PORT"):
        telegram = ("        location = /telegram {\n"
                    f"            proxy_pass http://127.0.0.1:{environ['QN_PROD_TELEGRAM_PORT']};\n        }}")
    # nginx started by root hands its workers to an unprivileged user; started by anyone else, it stays theirs.
    user = "user www-data;" if os.geteuid() == 0 and _user_exists("www-data") else \
        "user nobody;" if os.geteuid() == 0 else ""
    values = {"USER_LINE": user, "RUN_DIR": environ["QN_PROD_RUN_DIR"], "PUBLIC_LISTEN": public, "TLS_LINES": tls,
              "RASA_SERVERS": servers(environ["QN_RASA_PORT"], environ["QN_PROD_REPLICAS"]),
              "ACTION_SERVERS": servers(environ["QN_ACTIONS_PORT"], environ["QN_PROD_ACTION_SERVERS"]),
              "REPLICAS": environ["QN_PROD_REPLICAS"], "INTERNAL_PORT": environ["QN_PROD_INTERNAL_PORT"],
              "TELEGRAM_LOCATION": telegram}
    text = (DEPLOY / "nginx.conf.template").read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    return text


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def create_tracker_store(endpoints: Path) -> None:
    """Rasa's own SQL tracker store, made once from the same endpoints file: it creates its table if missing."""
    from rasa.core.tracker_store import TrackerStore
    from rasa.utils.endpoints import read_endpoint_config

    TrackerStore.create(read_endpoint_config(str(endpoints), "tracker_store"))


def wait_for(urls: list[str], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    for url in urls:
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5):
                    break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    raise NotReady(f"{url} did not answer within {seconds:.0f} s")
                time.sleep(0.5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("env")
    commands.add_parser("nginx").add_argument("out", type=Path)
    commands.add_parser("tracker-store").add_argument("endpoints", type=Path)
    commands.add_parser("wait").add_argument("urls", nargs="+")
    args = parser.parse_args(argv)
    try:
        if args.command == "env":
            for name, value in exports(Settings.from_env()).items():
                print(f"export {name}={shlex.quote(value)}")
        elif args.command == "nginx":
            args.out.write_text(render_nginx(dict(os.environ)), encoding="utf-8")
        elif args.command == "tracker-store":
            create_tracker_store(args.endpoints)
        else:
            wait_for(args.urls, float(os.environ.get("QN_PROD_START_SECONDS", "300")))
    except (NotReady, SettingsError) as error:
        print(f"make prod: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
