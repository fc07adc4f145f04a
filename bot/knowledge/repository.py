"""Read access to the knowledge base for the bot. Knows nothing of Rasa.

Each call opens its own short session; results that are costly to rebuild are cached per knowledge
version, so a staff load is seen by the next question without a restart.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.knowledge.models import Contact, KnowledgeVersion, Museum, Procedure, Site, TicketType

T = TypeVar("T")


@dataclass(frozen=True)
class KnowledgeStats:
    version: int | None
    loaded_at: str | None
    sites: int
    procedures: int
    ticket_types: int
    museum: bool


@dataclass(frozen=True)
class ContactCard:
    """An official channel, as the bot shows it."""

    id: str
    topic: str
    name: str
    name_en: str | None
    phone: str | None
    website: str | None
    email: str | None
    address: str | None
    hours: str | None
    sources: tuple[str, ...]


class KnowledgeBase:
    def __init__(self, engine: Engine):
        self._engine = engine
        self._cache: dict[str, tuple[int | None, Any]] = {}
        self._lock = threading.Lock()

    def _session(self) -> Session:
        return Session(self._engine, future=True)

    def version(self) -> int | None:
        """Id of the latest successful load, or None if nothing was ever loaded."""
        with self._session() as session:
            return session.execute(select(func.max(KnowledgeVersion.id))).scalar_one_or_none()

    def cached(self, key: str, build: Callable[[], T]) -> T:
        """Return build()'s result, rebuilt only when a new knowledge version has been loaded."""
        current = self.version()
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and hit[0] == current:
                return hit[1]
        value = build()
        with self._lock:
            self._cache[key] = (current, value)
        return value

    def stats(self) -> KnowledgeStats:
        with self._session() as session:
            latest = session.execute(
                select(KnowledgeVersion).order_by(KnowledgeVersion.id.desc()).limit(1)
            ).scalar_one_or_none()

            def count(model: type) -> int:
                return int(session.execute(select(func.count()).select_from(model)).scalar_one())

            return KnowledgeStats(
                version=latest.id if latest else None,
                loaded_at=latest.loaded_at.isoformat() if latest else None,
                sites=count(Site),
                procedures=count(Procedure),
                ticket_types=count(TicketType),
                museum=count(Museum) > 0,
            )


    def contacts(self, topic: str | None = None) -> list[ContactCard]:
        """Official contacts: those of `topic` first, then general ones, then the rest."""

        def build() -> list[ContactCard]:
            with self._session() as session:
                rows = session.execute(select(Contact).order_by(Contact.id)).scalars().all()
                return [ContactCard(r.id, r.topic, r.name, r.name_en, r.phone, r.website, r.email, r.address,
                                    r.hours, tuple(r.sources)) for r in rows]

        order = {topic: 0, "general": 1}
        return sorted(self.cached("contacts", build), key=lambda card: order.get(card.topic, 2))
