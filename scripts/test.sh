#!/usr/bin/env bash
# Every test: set-up, the model (trained once and reused), Rasa's data validation, pytest (components,
# knowledge layer, actions, conversations through a running bot, the held-out NLU split), and the
# end-to-end test stories. Set QN_REQUIRE_SERVICES=1 to fail, not skip, when PostgreSQL/Redis are absent.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each stage says when it starts (seconds since the start), so a slow stage shows in CI's log.
stage() { echo "== [$SECONDS s] $*"; }
scripts/setup.sh
stage "ruff and mypy (pyproject.toml's [tool.ruff], [tool.mypy])"
.venv/bin/ruff check .
.venv/bin/mypy
stage "rasa data validate"
.venv/bin/python scripts/validate_data.py
stage "training"
scripts/train.sh
.venv/bin/qn-staff load  # the gazetteer and the evaluation read the knowledge base
stage "held-out NLU sets (the first split and the independently written one)"
mkdir -p results
.venv/bin/python -m bot.nlu.evaluation --json results/nlu.json
stage "end-to-end test stories"
.venv/bin/python -m bot.launch test core --model models --stories tests/stories --fail-on-prediction-errors --out results/core --quiet
stage "pytest"
.venv/bin/python -m pytest --durations=15 "$@"
stage "done"
