"""Staff print QR codes for sites; scanning one opens the bot on that site."""
from __future__ import annotations

import pytest
import yaml
from PIL import Image

from bot.entry import site_payload
from bot.knowledge.cli import main
from tests.conftest import KNOWLEDGE_DIR

zxingcpp = pytest.importorskip("zxingcpp")


def decode(path) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(Image.open(path))]


def test_qr_images_for_every_site_decode_to_their_deep_links(tmp_path, capsys):
    assert main(["qr", "--all", "--out", str(tmp_path), "--bot-username", "@QuangNinhBot"]) == 0
    lines = [line.split("\t") for line in capsys.readouterr().out.strip().splitlines()]
    site_ids = [s["id"] for s in yaml.safe_load((KNOWLEDGE_DIR / "sites.yml").read_text(encoding="utf-8"))["sites"]]
    assert [line[0] for line in lines] == site_ids
    for site_id, link, png, svg in lines:
        assert link == f"https://t.me/QuangNinhBot?start={site_payload(site_id)}"
        assert decode(png) == [link]
        assert f"<title>{link}</title>" in open(svg, encoding="utf-8").read()


def test_qr_refuses_an_unknown_site_and_a_missing_username(tmp_path, capsys, monkeypatch):
    assert main(["qr", "no-such-site", "--out", str(tmp_path), "--bot-username", "X"]) == 1
    assert "Unknown site id(s): no-such-site" in capsys.readouterr().err
    assert main(["qr", "yen-tu", "--out", str(tmp_path), "--bot-username", ""]) == 1
    assert "TELEGRAM_BOT_USERNAME" in capsys.readouterr().err


def test_payloads_fit_telegram_deep_links():
    for site_id in ("yen-tu", "a" * 40):
        payload = site_payload(site_id)
        assert 1 <= len(payload) <= 64
    with pytest.raises(ValueError):
        site_payload("x" * 70)
