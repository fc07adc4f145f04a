"""Entry points into the bot from the physical world: the payload a site's QR code carries, and its printed plaque."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Sequence

SITE_PAYLOAD_PREFIX = "site-"
# Intents given by bot.nlu.entry_points.EntryPointClassifier by rule, never learnt from examples.
ENTRY_POINT_INTENTS = ("open_site", "share_location")
# Telegram deep-link payloads: 1-64 characters of A-Z, a-z, 0-9, _ and -.
TELEGRAM_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def site_payload(site_id: str) -> str:
    """The stable payload that opens the bot on a site (site ids never change once printed)."""
    payload = f"{SITE_PAYLOAD_PREFIX}{site_id}"
    if not TELEGRAM_PAYLOAD.match(payload):
        raise ValueError(f"site id {site_id!r} cannot be a Telegram deep-link payload")
    return payload


def telegram_deep_link(bot_username: str, site_id: str) -> str:
    return f"https://t.me/{bot_username.lstrip('@')}?start={site_payload(site_id)}"


def _qr_code(content: str) -> Any:
    import segno  # imported here: only the staff command needs it

    return segno.make(content, error="q")  # 25% error correction: survives a worn or dirty print


def write_qr(content: str, directory: Path, stem: str) -> tuple[Path, Path]:
    """Write a printable QR code of `content` as PNG and SVG; returns both paths."""
    directory.mkdir(parents=True, exist_ok=True)
    code = _qr_code(content)
    png, svg = directory / f"{stem}.png", directory / f"{stem}.svg"
    code.save(str(png), scale=10, border=4)
    code.save(str(svg), scale=10, border=4, title=content)
    return png, svg


# A plaque's QR code is read from about a metre away. Rule of thumb: a phone reads a code from about ten times its
# side, so the symbol is 10 cm (a module 2.4-3 mm for our links), with the standard quiet zone of 4 modules around it.
QR_SIDE_MM = 100.0
QUIET_ZONE_MODULES = 4
SCAN_PROMPT_VI = "Quét mã để hỏi trợ lý ảo về di tích này"
SCAN_PROMPT_EN = "Scan to ask the assistant about this site"
PAPER_SIZES = {"A4": (210.0, 297.0), "A5": (148.0, 210.0)}  # portrait, mm


class PlaqueError(Exception):
    """A plaque cannot be made: its font is missing, or its text does not fit the paper."""


@dataclass(frozen=True)
class Plaque:
    """What one printed sheet shows: the site's names and the link its QR code carries."""

    site_id: str
    name: str
    name_en: str | None
    link: str


def plaque_fonts() -> dict[str, Path]:
    """DejaVu, which covers Vietnamese, from matplotlib (a dependency of Rasa): no system font package needed."""
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    fonts = {"": folder / "DejaVuSans.ttf", "B": folder / "DejaVuSans-Bold.ttf", "mono": folder / "DejaVuSansMono.ttf"}
    missing = [path.name for path in fonts.values() if not path.is_file()]
    if missing:
        raise PlaqueError(f"the fonts {', '.join(missing)} are missing from {folder}; reinstall matplotlib "
                          "(.venv/bin/pip install --force-reinstall matplotlib) to get them back")
    return fonts


def write_plaques(plaques: Sequence[Plaque], path: Path, paper: str = "A4") -> Path:
    """One print-ready page per site in one PDF: names, the QR code at QR_SIDE_MM, what scanning does, the link."""
    from fpdf import FPDF  # imported here: only the staff command needs it

    if paper not in PAPER_SIZES:
        raise PlaqueError(f"paper must be one of {', '.join(PAPER_SIZES)} (got {paper!r})")
    fonts = plaque_fonts()
    pdf = FPDF(orientation="portrait", unit="mm", format=PAPER_SIZES[paper])
    pdf.set_auto_page_break(False)
    margin = pdf.w * 0.08
    pdf.set_margins(margin, margin)
    pdf.add_font("DejaVu", "", fonts[""])
    pdf.add_font("DejaVu", "B", fonts["B"])
    pdf.add_font("DejaVuMono", "", fonts["mono"])
    pdf.set_lang("vi")
    pdf.set_title("Mã QR trợ lý ảo Quảng Ninh / Quang Ninh assistant QR codes")
    scale = pdf.w / 210  # type sizes are chosen for A4 and shrink with the paper; the QR code does not
    for plaque in plaques:
        code = _qr_code(plaque.link)
        modules = code.symbol_size(scale=1, border=0)[0]
        qr_mm = QR_SIDE_MM * (modules + 2 * QUIET_ZONE_MODULES) / modules
        svg = io.BytesIO()
        code.save(svg, kind="svg", scale=1, border=QUIET_ZONE_MODULES, xmldecl=False, omitsize=True)
        header = [_Line("DejaVu", "B", 28, plaque.name)]
        if plaque.name_en:
            header.append(_Line("DejaVu", "", 18, plaque.name_en, grey=70))
        footer = [_Line("DejaVu", "", 16, SCAN_PROMPT_VI), _Line("DejaVu", "", 14, SCAN_PROMPT_EN, grey=70),
                  _Line("DejaVuMono", "", 12, plaque.link, link=plaque.link)]  # monospace: l, 1 and I differ
        pdf.add_page()
        _write_lines(pdf, header, scale)
        footer_mm = _write_lines(pdf, footer, scale, dry_run=True)
        room = pdf.h - margin - pdf.get_y()
        if qr_mm + footer_mm > room:
            remedy = "print on A4" if paper != "A4" else "shorten the name in sites.yml"
            raise PlaqueError(f"{plaque.site_id}: the names do not fit on {paper} beside a {QR_SIDE_MM:.0f} mm "
                              f"QR code; {remedy}")
        qr_top = pdf.get_y() + (room - qr_mm - footer_mm) / 2
        pdf.image(svg, x=(pdf.w - qr_mm) / 2, y=qr_top, w=qr_mm, h=qr_mm, link=plaque.link, title=plaque.link)
        pdf.set_y(qr_top + qr_mm)
        _write_lines(pdf, footer, scale)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


class _Line(NamedTuple):
    family: str
    style: str
    points: float  # at A4
    text: str
    grey: int = 0  # 0 black .. 255 white
    link: str | None = None


def _write_lines(pdf: Any, lines: list[_Line], scale: float, dry_run: bool = False) -> float:
    """Centred paragraphs at the cursor, type scaled with the paper; returns their height in mm."""
    height = 0.0
    for line in lines:
        size = line.points * scale
        pdf.set_font(line.family, line.style, size)
        pdf.set_text_color(line.grey)
        height += pdf.multi_cell(pdf.epw, size * 0.3528 * 1.3, line.text, align="C", link=line.link,  # pt to mm
                                 dry_run=dry_run, output="HEIGHT", new_x="LMARGIN", new_y="NEXT")
    return height
