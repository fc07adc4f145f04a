"""The README's set-up (scripts/setup.sh): what it leaves in .venv for every process that starts later."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from bot.settings import PROJECT_ROOT

# Every module Rasa's server imports to load a model, TensorFlow's among them.
_IMPORT_AND_CHECK = """
import importlib.util, json, os, sys, sysconfig
import rasa.core.agent, rasa.nlu.classifiers.diet_classifier
site = sysconfig.get_paths()["purelib"]
files = [m.__file__ for m in list(sys.modules.values())
         if (getattr(m, "__file__", None) or "").startswith(site) and m.__file__.endswith(".py")]
missing = [f for f in files if not os.path.exists(importlib.util.cache_from_source(f))]
print(json.dumps({"imported": len(files), "missing": missing[:5], "missing_count": len(missing)}))
"""


def test_rasa_starts_from_bytecode_even_where_python_may_not_write_it():
    """With PYTHONDONTWRITEBYTECODE=1 (set on the CI machines) Python never writes .pyc files, so without the
    bytecode set-up writes, every process would compile Rasa's and TensorFlow's thousands of modules again (22.5 s
    of CPU to import them, against 8.5 s). Every module a model load imports has its bytecode beside it."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run([sys.executable, "-c", _IMPORT_AND_CHECK], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=300, check=True)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["imported"] > 1000 and report["missing_count"] == 0, report
