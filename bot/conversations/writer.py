"""Every write to a conversations database goes through one thread, which writes what is waiting in one
transaction.

Why: on the embedded default two writers shared the SQLite file, Rasa's tracker store on the event loop (a turn's
events, one ORM transaction per turn) and the staff page's turn summaries (one transaction per turn, in a thread of
their own). SQLite lets one of them write at a time, so the event loop waited for the summary writer's lock, and
each waited for Python's lock on its way out of SQLite; py-spy counted the stores at 46% of the Rasa process's busy
samples with every text new (bench/sample_serve.py). Here a turn's events and the summaries are jobs on one line:
the writer takes every job waiting, runs them in one transaction (a commit for several turns), and tells each
waiting turn when its rows are in. A job that fails makes the others of its batch run again one by one, so that it
fails only its own turn. On PostgreSQL (`make prod`) the same line saves commits (each one waits for the disk).
"""
from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import Future
from typing import Any, Callable

from sqlalchemy.engine import Connection, Engine

logger = logging.getLogger(__name__)

Job = Callable[[Connection], Any]


class ConversationWriter:
    """One engine's writing thread (`writer_for`). `submit` a job (a function of a connection inside a
    transaction); its Future gets the job's result once the transaction holding it is committed."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._waiting: list[tuple[Job, Future[Any]]] = []
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None
        self.batches = self.jobs = 0  # how many transactions wrote how many jobs

    def submit(self, job: Job) -> Future[Any]:
        future: Future[Any] = Future()
        with self._ready:
            self._waiting.append((job, future))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="conversation-writer", daemon=True)
                self._thread.start()
            self._ready.notify()
        return future

    async def write(self, job: Job) -> Any:
        """Run `job` on the line and wait, without holding up the event loop, until it is committed."""
        return await asyncio.wrap_future(self.submit(job))

    def flush(self, timeout: float | None = None) -> None:
        """Wait until everything submitted so far is written."""
        self.submit(lambda _connection: None).result(timeout)

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._waiting:
                    self._ready.wait()
                batch, self._waiting = self._waiting, []
            self._write(batch)

    def _write(self, batch: list[tuple[Job, Future[Any]]]) -> None:
        live = [(job, future) for job, future in batch if future.set_running_or_notify_cancel()]
        if not live:
            return
        self.batches, self.jobs = self.batches + 1, self.jobs + len(live)
        if len(live) > 1:
            try:
                with self.engine.begin() as connection:
                    results = [job(connection) for job, _ in live]
            except Exception:  # noqa: BLE001 - each job again, alone: only the failing one fails
                logger.debug("a batch of %d writes failed; each is written alone", len(live), exc_info=True)
            else:
                for (_, future), result in zip(live, results, strict=True):
                    future.set_result(result)
                return
        for job, future in live:
            try:
                with self.engine.begin() as connection:
                    result = job(connection)
            except BaseException as error:  # noqa: BLE001 - handed to whoever waits for this job
                future.set_exception(error)
            else:
                future.set_result(result)


_writers: dict[int, ConversationWriter] = {}
_writers_lock = threading.Lock()


def writer_for(engine: Engine) -> ConversationWriter:
    """The one writer of this engine, in this process."""
    with _writers_lock:
        writer = _writers.get(id(engine))
        if writer is None or writer.engine is not engine:
            writer = _writers[id(engine)] = ConversationWriter(engine)
        return writer
