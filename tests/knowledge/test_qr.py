"""Staff print QR codes and plaques for sites; scanning one opens the bot on that site."""
from __future__ import annotations

import math

import pypdfium2
import pytest
import yaml
import zxingcpp
from PIL import Image

from bot.entry import QR_SIDE_MM, SCAN_PROMPT_EN, SCAN_PROMPT_VI, site_payload
from bot.knowledge.cli import main
from tests.conftest import KNOWLEDGE_DIR

RENDER_DPI = 72
SITES = yaml.safe_load((KNOWLEDGE_DIR / "sites.yml").read_text(encoding="utf-8"))["sites"]


def decode(path) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(Image.open(path))]


def read_pages(pdf_path) -> list[tuple[str, list[zxingcpp.Barcode], tuple[float, float]]]:
    """Each page as a reader sees it: its text (spaces and line breaks as one space), the QR codes found on its
    rendered image, and its size in mm."""
    pages = []
    for page in pypdfium2.PdfDocument(str(pdf_path)):
        text = " ".join(page.get_textpage().get_text_range().split())
        image = page.render(scale=RENDER_DPI / 72).to_pil()
        pages.append((text, zxingcpp.read_barcodes(image), (page.get_width() * 25.4 / 72,
                                                           page.get_height() * 25.4 / 72)))
    return pages


def side_mm(barcode: zxingcpp.Barcode) -> float:
    top_left, top_right = barcode.position.top_left, barcode.position.top_right
    return math.dist((top_left.x, top_left.y), (top_right.x, top_right.y)) * 25.4 / RENDER_DPI


def run_qr(capsys, *args: str) -> list[list[str]]:
    assert main(["qr", *args, "--bot-username", "@QuangNinhBot"]) == 0
    return [line.split("\t") for line in capsys.readouterr().out.strip().splitlines()]


def test_qr_images_for_every_site_decode_to_their_deep_links(tmp_path, capsys):
    lines = run_qr(capsys, "--all", "--out", str(tmp_path))
    assert [line[0] for line in lines] == [site["id"] for site in SITES]
    for site_id, link, png, svg, _pdf in lines:
        assert link == f"https://t.me/QuangNinhBot?start={site_payload(site_id)}"
        assert decode(png) == [link]
        assert f"<title>{link}</title>" in open(svg, encoding="utf-8").read()


def test_all_sites_make_one_a5_pdf_a_page_each_with_names_prompt_link_and_a_10_cm_code(tmp_path, capsys):
    lines = run_qr(capsys, "--all", "--paper", "A5", "--out", str(tmp_path))
    assert {line[4] for line in lines} == {str(tmp_path / "all-sites.pdf")}
    pages = read_pages(tmp_path / "all-sites.pdf")
    assert len(pages) == len(SITES)
    for site, (site_id, link, *_files), (text, barcodes, size) in zip(SITES, lines, pages):
        assert [barcode.text for barcode in barcodes] == [link], site_id
        assert QR_SIDE_MM - 1 <= side_mm(barcodes[0]) <= QR_SIDE_MM + 1, site_id  # read from a metre away
        assert size == pytest.approx((148, 210), abs=0.5)
        for words in (site["name"], site.get("name_en"), SCAN_PROMPT_VI, SCAN_PROMPT_EN, link):
            if words:
                assert " ".join(words.split()) in text, (site_id, words)


def test_named_sites_get_an_a4_plaque_each(tmp_path, capsys):
    lines = run_qr(capsys, "den-cua-ong", "vinh-ha-long", "--out", str(tmp_path))
    for site_id, link, _png, _svg, pdf in lines:
        assert pdf == str(tmp_path / f"{site_id}.pdf")
        [(text, barcodes, size)] = read_pages(pdf)
        assert [barcode.text for barcode in barcodes] == [link]
        assert size == pytest.approx((210, 297), abs=0.5)
    assert "Đền Cửa Ông" in read_pages(tmp_path / "den-cua-ong.pdf")[0][0]
    assert "Ha Long Bay" in read_pages(tmp_path / "vinh-ha-long.pdf")[0][0]


def test_a_name_too_long_for_a5_is_refused_with_what_to_do(tmp_path, capsys, knowledge_copy):
    sites = knowledge_copy / "sites.yml"
    sites.write_text(sites.read_text(encoding="utf-8").replace(
        "name: Đền Cửa Ông", "name: " + " ".join(["Đền Cửa Ông linh thiêng bậc nhất vùng Đông Bắc"] * 3)),
        encoding="utf-8")
    argv = ["--dir", str(knowledge_copy), "qr", "den-cua-ong", "--out", str(tmp_path), "--bot-username", "X"]
    assert main([*argv, "--paper", "A5"]) == 1
    assert "den-cua-ong: the names do not fit on A5 beside a 100 mm QR code; print on A4" in capsys.readouterr().err
    assert main([*argv, "--paper", "A4"]) == 0


def test_qr_refuses_an_unknown_site_and_a_missing_username(tmp_path, capsys, monkeypatch):
    assert main(["qr", "no-such-site", "--out", str(tmp_path), "--bot-username", "X"]) == 1
    assert "Unknown site id(s): no-such-site" in capsys.readouterr().err
    assert main(["qr", "yen-tu", "--out", str(tmp_path), "--bot-username", ""]) == 1
    assert "TELEGRAM_BOT_USERNAME" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_payloads_fit_telegram_deep_links():
    for site_id in ("yen-tu", "a" * 40):
        payload = site_payload(site_id)
        assert 1 <= len(payload) <= 64
    with pytest.raises(ValueError):
        site_payload("x" * 70)
