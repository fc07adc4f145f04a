"""The action server: `python -m actions [rasa_sdk's arguments, e.g. --port 5055]`.

rasa_sdk's own server (`python -m rasa_sdk --actions actions`), with the knowledge base's indexes built in a
background thread as it starts. Building the procedure index compiles the vocabulary's phrase patterns (about 5 s
on 2 cores); without this, the first citizen to ask about a procedure after a start waited for it. Later builds,
after a staff load, reuse the compiled patterns (bot/knowledge/retrieval.py) and take under a second.
"""
from __future__ import annotations

import logging
import os
import sys
import threading
import time

logger = logging.getLogger(__name__)


def build_indexes() -> None:
    """Build the indexes the actions search (procedures, places, names), as the first questions would."""
    from actions.base import knowledge_base
    from bot.db import configure_models

    try:  # below the servers starting beside it on the same cores (Rasa loading its model): raising is allowed
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):
        pass
    started = time.perf_counter()
    try:
        configure_models()  # waits for the models rasa_sdk may be importing in the main thread at this moment
        base = knowledge_base()
        base.procedure_index()
        base.place_index()
        base.gazetteer()
    except Exception:  # noqa: BLE001 - the first questions build them then, and meet the trouble themselves
        logger.warning("knowledge indexes not built ahead; the first questions build them", exc_info=True)
        return
    logger.info("knowledge indexes built ahead in %.1f s", time.perf_counter() - started)


def main(argv: list[str] | None = None) -> None:
    from rasa_sdk.__main__ import main as rasa_sdk_main

    threading.Thread(target=build_indexes, name="qn-knowledge-indexes", daemon=True).start()
    sys.argv = ["rasa_sdk", "--actions", "actions", *(sys.argv[1:] if argv is None else argv)]
    rasa_sdk_main()


if __name__ == "__main__":
    main()
