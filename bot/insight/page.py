"""The staff page as HTML: figures, tiles and the unanswered questions, charts drawn by plotly.js (served by the
bot itself, see bot/insight/channel.py). Every text that came from a visitor is escaped and masked."""
from __future__ import annotations

import csv
import io
from html import escape
from typing import Any

import plotly.graph_objects as go

from bot.insight.report import CONFIDENCE_BINS, Report

CHANNEL_NAMES = {"rest": "Web / REST", "telegram": "Telegram", "zalo": "Zalo"}
PLOTLY_JS = "plotly.min.js"
SHOWN_GROUPS = 50  # the CSV export has them all
_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;background:#f5f6f8;color:#1d2330}
header{background:#0b4f6c;color:#fff;padding:12px 20px}header h1{margin:0;font-size:20px}
form{display:flex;gap:12px;align-items:end;flex-wrap:wrap;padding:12px 20px;background:#fff;
border-bottom:1px solid #dde}
label{display:flex;flex-direction:column;font-size:12px;gap:2px}main{padding:12px 20px}
h2{font-size:17px;margin:16px 0 8px}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px;margin-bottom:12px}
.tile{background:#fff;border-radius:6px;padding:10px 12px;box-shadow:0 1px 2px #0002}
.tile b{display:block;font-size:24px}.tile span{font-size:12px;color:#556}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:10px}
.chart{background:#fff;border-radius:6px;box-shadow:0 1px 2px #0002}
table{border-collapse:collapse;width:100%;background:#fff;margin-top:12px}
th,td{border-bottom:1px solid #e3e5ea;padding:6px 8px;text-align:left;font-size:14px;vertical-align:top}
td.count{text-align:right;font-variant-numeric:tabular-nums}code{font-size:12px;color:#0b4f6c}
"""


def _figure(title: str, traces: list[Any], **layout: Any) -> str:
    figure = go.Figure(traces, layout={"title": {"text": title, "font": {"size": 15}}, "height": 320,
                                       "margin": {"l": 50, "r": 20, "t": 45, "b": 50}, **layout})
    return figure.to_html(full_html=False, include_plotlyjs=False, config={"displayModeBar": False, "responsive": True})


def _charts(report: Report) -> list[str]:
    days = [day.isoformat() for day in report.messages_per_day]
    charts = [_figure("Tin nhắn và cuộc trò chuyện mỗi ngày (messages, conversations per day)", [
        go.Bar(x=days, y=list(report.messages_per_day.values()), name="tin nhắn / messages"),
        go.Scatter(x=days, y=list(report.conversations_per_day.values()), name="cuộc trò chuyện / conversations",
                   mode="lines+markers")], barmode="group")]
    unknown = sorted(report.unknown_per_kind.items(), key=lambda item: item[1])
    charts.append(_figure("Câu trả lời “chưa có thông tin” theo loại (I don't know, per kind of fact)", [
        go.Bar(y=[k for k, _ in unknown], x=[n for _, n in unknown], orientation="h")], margin={"l": 260, "t": 45}))
    intents = list(reversed(report.top_intents))
    charts.append(_figure("Ý định được hỏi nhiều nhất (top intents)", [
        go.Bar(y=[i for i, _ in intents], x=[n for _, n in intents], orientation="h")], margin={"l": 170, "t": 45}))
    subjects = list(reversed(report.top_subjects))
    charts.append(_figure("Di tích và thủ tục được hỏi nhiều nhất (top sites and procedures)", [
        go.Bar(y=[s for s, _ in subjects], x=[n for _, n in subjects], orientation="h")], margin={"l": 220, "t": 45}))
    edges = [f"{n / CONFIDENCE_BINS:.1f}–{(n + 1) / CONFIDENCE_BINS:.1f}" for n in range(CONFIDENCE_BINS)]
    charts.append(_figure("Độ tự tin của NLU (NLU confidence)", [go.Bar(x=edges, y=report.confidence_bins)]))
    if report.bookings:
        booking_days = [b.day.isoformat() for b in report.bookings]
        charts.append(_figure("Đặt vé mỗi ngày (bookings made, cancelled, paid)", [
            go.Bar(x=booking_days, y=[b.made for b in report.bookings], name="đặt / made"),
            go.Bar(x=booking_days, y=[b.cancelled for b in report.bookings], name="hủy / cancelled"),
            go.Bar(x=booking_days, y=[b.paid for b in report.bookings], name="đã trả / paid")], barmode="group"))
    if report.places_left:
        charts.append(_figure("Chỗ còn trống 14 ngày tới (places left per visit day)", [
            go.Bar(x=[d.isoformat() for d, _ in report.places_left], y=[n for _, n in report.places_left])]))
    return charts


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} s"


def render_page(report: Report, plotly_url: str, csv_url: str) -> str:
    period = report.period
    options = "".join(f'<option value="{escape(c)}"{" selected" if c == report.channel else ""}>'
                      f"{escape(CHANNEL_NAMES.get(c, c))}</option>" for c in report.channels)
    tiles = [("messages", report.messages, "tin nhắn (messages)"),
             ("conversations", report.conversations, "cuộc trò chuyện (conversations)"),
             ("fallback-rate", f"{report.fallback_rate:.1%}", "không hiểu (fallback rate)"),
             ("unknown", sum(report.unknown_per_kind.values()), "“chưa có thông tin” (I don't know)"),
             ("response-p50", _seconds(report.response_p50), "thời gian xử lý p50 (response time)"),
             ("response-p95", _seconds(report.response_p95), "thời gian xử lý p95 (response time)")]
    tile_html = "".join(f'<div class="tile"><b id="{key}">{escape(str(value))}</b><span>{escape(label)}</span></div>'
                        for key, value, label in tiles)
    rows = "".join(
        f'<tr class="unanswered"><td class="count">{group.count}</td><td class="example">{escape(group.example)}</td>'
        f"<td>{escape(group.label)}</td><td>{f'<code>{escape(group.link)}</code>' if group.link else '–'}</td></tr>"
        for group in report.unanswered[:SHOWN_GROUPS])
    charts = "".join(f'<div class="chart">{chart}</div>' for chart in _charts(report))
    return f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Trợ lý ảo Quảng Ninh — trang cán bộ</title><style>{_STYLE}</style>
<script src="{escape(plotly_url)}"></script></head>
<body><header><h1>Trợ lý ảo Quảng Ninh — người dân hỏi gì, bot chưa trả lời được gì</h1></header>
<form method="get">
<label>Từ ngày (from)<input type="date" name="from" value="{period.first.isoformat()}"></label>
<label>Đến ngày (to)<input type="date" name="to" value="{period.last.isoformat()}"></label>
<label>Kênh (channel)<select name="channel"><option value="">Tất cả (all)</option>{options}</select></label>
<button type="submit">Xem (show)</button>
<a href="{escape(csv_url)}">Tải CSV câu chưa trả lời được (unanswered, CSV)</a>
</form>
<main><div class="tiles">{tile_html}</div>
<h2>Câu hỏi bot chưa trả lời được (unanswered questions, grouped)</h2>
<table id="unanswered"><thead><tr><th>Số lần</th><th>Ví dụ (example)</th><th>Loại (kind)</th>
<th>Bổ sung ở đâu (where to add the answer)</th></tr></thead><tbody>{rows}</tbody></table>
<h2>Số liệu (figures)</h2><div class="charts">{charts}</div>
</main></body></html>"""


def unanswered_csv(report: Report) -> str:
    """The grouped unanswered questions, most asked first: count, kind, example, knowledge file and field."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["count", "kind", "example", "knowledge", "period_from", "period_to", "channel"])
    for group in report.unanswered:
        writer.writerow([group.count, group.kind, group.example, group.link or "", report.period.first.isoformat(),
                         report.period.last.isoformat(), report.channel or "all"])
    return out.getvalue()
