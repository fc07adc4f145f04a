"""The booking store on SQLite and PostgreSQL, as tests/tickets uses it."""
from tests.tickets.conftest import postgres_repository, repository, sqlite_repository  # noqa: F401
