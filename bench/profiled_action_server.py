"""The action server under cProfile, for bench/profile_turn.py --profile-actions FILE.

    python bench/profiled_action_server.py PORT FILE

Knowledge queries normally run in worker threads, which cProfile does not follow; here they run inline, so
that their cost shows up. The profile is written to FILE when the server stops.
"""
from __future__ import annotations

import asyncio
import atexit
import cProfile
import sys
from typing import Any, Callable


async def _inline(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


def main() -> None:
    port, output = sys.argv[1], sys.argv[2]
    profiler = cProfile.Profile()

    def write() -> None:
        profiler.disable()
        profiler.dump_stats(output)

    atexit.register(write)
    asyncio.to_thread = _inline  # type: ignore[assignment]
    sys.argv = ["rasa_sdk", "--actions", "actions", "--port", port]
    from rasa_sdk.__main__ import main as serve

    profiler.enable()
    serve()


if __name__ == "__main__":
    main()
