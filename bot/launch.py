"""Start Rasa with this project's patches installed: `python -m bot.launch run|test|shell|... [rasa arguments]`.

The scripts, the conversation tests and the benches start Rasa through here, so `rasa test` and `rasa shell` run
the same Rasa as the server. Plain `rasa ...` runs Rasa unpatched: slower, and the action server's `timeout` in
endpoints.yml is then not applied (Rasa waits up to 5 minutes for an action).
"""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    from bot import serving
    from bot.settings import current_settings

    try:
        serving.install(off=current_settings().rasa_patches_off)
    except serving.PatchError as error:
        sys.exit(f"bot.launch: {error}")
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *(sys.argv[1:] if argv is None else argv)]
    rasa_main()


if __name__ == "__main__":
    main()
