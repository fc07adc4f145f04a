"""The staff command: validate, load, stats, with exit codes a script can rely on."""
from __future__ import annotations

import yaml

from bot.knowledge.cli import main


def test_validate_load_stats_round_trip(tmp_path, knowledge_copy, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["--dir", str(knowledge_copy), "--database-url", url, "stats"]) == 0
    assert "empty" in capsys.readouterr().out
    assert main(["--dir", str(knowledge_copy), "validate"]) == 0
    assert main(["--dir", str(knowledge_copy), "--database-url", url, "load"]) == 0
    assert "Loaded version 1" in capsys.readouterr().out
    assert main(["--dir", str(knowledge_copy), "--database-url", url, "stats"]) == 0
    sites = len(yaml.safe_load((knowledge_copy / "sites.yml").read_text(encoding="utf-8"))["sites"])
    assert f"sites: {sites}" in capsys.readouterr().out


def test_validate_reports_every_problem_and_fails(knowledge_copy, capsys):
    path = knowledge_copy / "contacts.yml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["contacts"][0]["topic"] = "weather"
    document["contacts"][0].pop("source")
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    assert main(["--dir", str(knowledge_copy), "validate"]) == 1
    err = capsys.readouterr().err
    assert "2 problem(s) found; nothing was loaded" in err
    assert "field 'topic'" in err and "field 'source'" in err
