"""Render an evaluation report as one self-contained HTML page.

The page has no external references: styles are inline, the three charts are
inline SVG drawn here, and there is no script. It opens offline and can be
attached to a ticket or mailed as a single file.

Every string that comes from the report (questions, answers, quotes, titles,
problems, meta) is HTML-escaped: news articles can contain markup.

    python -m eval.report_html reports/run.json -o reports/run.html
"""

from __future__ import annotations

import argparse
import html
import json
import math
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["render_report", "write_report", "verdict_of", "highlight"]

DASH = "–"

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
LANG_COLOURS = {"ar": "#0072B2", "en": "#E69F00", "all": "#4D4D4D"}
LANG_NAMES = {"ar": "Arabic", "en": "English", "all": "All"}

VERDICTS = {
    # key: (label, css class, counts as failure)
    "correct": ("correct", "ok", False),
    "wrong": ("wrong", "bad", True),
    "abstained_right": ("abstained right", "ok-abstain", False),
    "abstained_wrong": ("abstained wrong", "bad", True),
    "answered_unanswerable": ("answered unanswerable", "bad", True),
}

_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
_LATIN = re.compile(r"[A-Za-z]")


# --------------------------------------------------------------------------- helpers


def _e(value: Any) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return html.escape("" if value is None else str(value), quote=True)


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)) and math.isfinite(value):
        return float(value)
    return None


def _pct(value: Any, digits: int = 1) -> str:
    v = _num(value)
    return DASH if v is None else f"{v * 100:.{digits}f}%"


def _dec(value: Any, digits: int = 3) -> str:
    v = _num(value)
    return DASH if v is None else f"{v:.{digits}f}"


def _ms(value: Any) -> str:
    v = _num(value)
    if v is None:
        return DASH
    return f"{v:,.0f} ms" if v >= 10 else f"{v:.1f} ms"


def _int(value: Any) -> str:
    v = _num(value)
    return DASH if v is None else f"{v:,.0f}"


def _dir_attrs(text: str, lang: str | None = None) -> str:
    """lang/dir attributes for a piece of text: rtl when Arabic letters dominate."""
    arabic = len(_ARABIC.findall(text or ""))
    latin = len(_LATIN.findall(text or ""))
    if lang == "ar" or (lang is None and arabic > latin):
        return ' lang="ar" dir="rtl"' if arabic >= latin else ' dir="auto"'
    if lang == "en" and latin >= arabic:
        return ' lang="en" dir="auto"'
    return ' dir="auto"'


def _flatten(groups: Any) -> list[str]:
    """Gold answers/evidence are groups of alternatives; flatten to unique strings."""
    out: list[str] = []
    stack = [groups]
    while stack:
        item = stack.pop(0)
        if isinstance(item, str):
            s = item.strip()
            if s and s not in out:
                out.append(s)
        elif isinstance(item, (list, tuple)):
            stack[0:0] = list(item)
    return out


def verdict_of(question: dict) -> str:
    """One of VERDICTS' keys for a per-question record."""
    verdicts = question.get("verdicts") or {}
    answerable = bool(question.get("answerable"))
    abstained = bool(question.get("abstained"))
    if answerable:
        if abstained:
            return "abstained_wrong"
        return "correct" if verdicts.get("answer_correct") else "wrong"
    return "abstained_right" if abstained else "answered_unanswerable"


def highlight(text: str, evidence: Iterable[str] = (), answers: Iterable[str] = ()) -> str:
    """Escaped ``text`` with raw occurrences of evidence/answer strings in <mark>.

    Matching is on the raw text (case-insensitive, no Arabic normalisation); text
    without any match comes back escaped and unmarked.
    """
    text = text or ""
    labels = [0] * len(text)  # bit 1: evidence, bit 2: answer
    for bit, needles in ((1, evidence), (2, answers)):
        for needle in needles:
            if not needle:
                continue
            for m in re.finditer(re.escape(needle), text, flags=re.IGNORECASE):
                for i in range(m.start(), m.end()):
                    labels[i] |= bit
    if not any(labels):
        return _e(text)
    classes = {1: "ev", 2: "ans", 3: "ev ans"}
    titles = {1: "gold evidence", 2: "gold answer", 3: "gold evidence and answer"}
    parts: list[str] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or labels[i] != labels[start]:
            chunk = _e(text[start:i])
            label = labels[start]
            if label:
                parts.append(f'<mark class="{classes[label]}" title="{titles[label]}">{chunk}</mark>')
            else:
                parts.append(chunk)
            start = i
    return "".join(parts)


# --------------------------------------------------------------------------- charts


def _svg_open(chart_id: str, width: int, height: int, title: str, desc: str) -> str:
    return (
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" id="{chart_id}">'
        f'<title id="{chart_id}-t">{_e(title)}</title><desc id="{chart_id}-d">{_e(desc)}</desc>'
    )


def _fmt_tick(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 10 or v == int(v) else f"{v:g}"


def _bars_chart(report: dict) -> str:
    metrics = [
        ("answer_accuracy", "Answer accuracy"),
        ("citation_precision", "Citation precision"),
        ("citation_recall", "Citation recall"),
        ("abstention_accuracy", "Abstention accuracy"),
    ]
    by_lang = report.get("by_lang") or {}
    series = [(lang, by_lang.get(lang) or {}) for lang in ("ar", "en")] + [("all", report)]
    w, h = 500, 300
    left, right, top, bottom = 50, 12, 36, 52
    pw, ph = w - left - right, h - top - bottom
    group_w = pw / len(metrics)
    bar_w = min(36.0, (group_w - 24) / len(series))
    desc_parts = []
    for key, label in metrics:
        vals = ", ".join(f"{LANG_NAMES[lang]} {_pct(data.get(key))}" for lang, data in series)
        desc_parts.append(f"{label}: {vals}")
    out = [_svg_open("chart-bars", w, h, "Quality metrics by language", "; ".join(desc_parts) + ".")]
    # legend
    x = left
    for lang, _ in series:
        out.append(f'<rect x="{x}" y="8" width="12" height="12" rx="2" fill="{LANG_COLOURS[lang]}"/>')
        out.append(f'<text x="{x + 17}" y="18" class="lg">{LANG_NAMES[lang]} ({lang})</text>')
        x += 110
    # grid + y axis
    for tick in range(0, 101, 20):
        y = top + ph - ph * tick / 100
        out.append(f'<line x1="{left}" x2="{w - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{tick}</text>')
    out.append(
        f'<text class="axis" transform="translate(14 {top + ph / 2:.0f}) rotate(-90)" text-anchor="middle">'
        "score (%)</text>"
    )
    for gi, (key, label) in enumerate(metrics):
        gx = left + gi * group_w
        inner = bar_w * len(series)
        x0 = gx + (group_w - inner) / 2
        for si, (lang, data) in enumerate(series):
            v = _num(data.get(key))
            bx = x0 + si * bar_w
            cx = bx + bar_w / 2
            name = f"{label}, {LANG_NAMES[lang]}: {_pct(v)}"
            if v is None:
                out.append(
                    f'<text x="{cx:.1f}" y="{top + ph - 4:.1f}" class="val" text-anchor="middle">'
                    f"<title>{_e(name)}</title>{DASH}</text>"
                )
                continue
            v = max(0.0, min(1.0, v))
            bh = ph * v
            by = top + ph - bh
            out.append(
                f'<rect x="{bx + 2:.1f}" y="{by:.1f}" width="{bar_w - 4:.1f}" height="{bh:.1f}" '
                f'fill="{LANG_COLOURS[lang]}"><title>{_e(name)}</title></rect>'
            )
            out.append(f'<text x="{cx:.1f}" y="{by - 4:.1f}" class="val" text-anchor="middle">{v * 100:.0f}</text>')
        first, _, rest = label.partition(" ")
        out.append(
            f'<text x="{gx + group_w / 2:.1f}" y="{top + ph + 16:.1f}" class="axis" text-anchor="middle">'
            f'{_e(first)}<tspan x="{gx + group_w / 2:.1f}" dy="14">{_e(rest)}</tspan></text>'
        )
    out.append(f'<line x1="{left}" x2="{w - right}" y1="{top + ph}" y2="{top + ph}" class="base"/>')
    out.append("</svg>")
    return "".join(out)


def _curve(values: Any, n: int = 10) -> list[float | None]:
    vals = list(values) if isinstance(values, (list, tuple)) else []
    vals = (vals + [None] * n)[:n]
    return [_num(v) for v in vals]


def _recall_chart(report: dict) -> str:
    by_lang = report.get("by_lang") or {}
    lines = [
        ("ar", _curve((by_lang.get("ar") or {}).get("evidence_recall_curve"))),
        ("en", _curve((by_lang.get("en") or {}).get("evidence_recall_curve"))),
        ("all", _curve(report.get("evidence_recall_curve"))),
    ]
    n = 10
    w, h = 500, 300
    left, right, top, bottom = 50, 16, 36, 46
    pw, ph = w - left - right, h - top - bottom
    all_vals = [v for _, vals in lines for v in vals if v is not None]
    lo = 0.0
    if all_vals and min(all_vals) >= 0.5:
        lo = 0.5  # zoom in when everything is high, so differences are visible
    ticks = [lo + i * (1 - lo) / 5 for i in range(6)]

    def xy(i: int, v: float) -> tuple[float, float]:
        x = left + pw * i / (n - 1)
        y = top + ph - ph * (max(lo, min(1.0, v)) - lo) / (1 - lo)
        return x, y

    desc = "; ".join(
        f"{LANG_NAMES[lang]}: " + ", ".join(f"@{i + 1} {_pct(v)}" for i, v in enumerate(vals)) for lang, vals in lines
    )
    out = [_svg_open("chart-recall", w, h, "Evidence recall at k (k = 1 to 10)", desc + ".")]
    x = left
    for lang, _ in lines:
        out.append(f'<line x1="{x}" x2="{x + 14}" y1="14" y2="14" stroke="{LANG_COLOURS[lang]}" stroke-width="3"/>')
        out.append(f'<text x="{x + 19}" y="18" class="lg">{LANG_NAMES[lang]} ({lang})</text>')
        x += 110
    for t in ticks:
        _, y = xy(0, t)
        out.append(f'<line x1="{left}" x2="{w - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{t * 100:.0f}</text>')
    for i in range(n):
        x, _ = xy(i, lo)
        out.append(f'<text x="{x:.1f}" y="{top + ph + 16}" class="tick" text-anchor="middle">{i + 1}</text>')
    out.append(f'<line x1="{left}" x2="{w - right}" y1="{top + ph}" y2="{top + ph}" class="base"/>')
    out.append(
        f'<text class="axis" transform="translate(14 {top + ph / 2:.0f}) rotate(-90)" text-anchor="middle">'
        "evidence recall (%)</text>"
    )
    out.append(
        f'<text x="{left + pw / 2:.0f}" y="{h - 6}" class="axis" text-anchor="middle">k (passages retrieved)</text>'
    )
    if not all_vals:
        out.append(
            f'<text x="{left + pw / 2:.0f}" y="{top + ph / 2:.0f}" class="empty" text-anchor="middle">'
            "no answerable questions</text>"
        )
    for lang, vals in lines:
        colour = LANG_COLOURS[lang]
        width = 3 if lang == "all" else 2
        segment: list[str] = []
        segments: list[list[str]] = []
        for i, v in enumerate(vals):
            if v is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            px, py = xy(i, v)
            segment.append(f"{px:.1f},{py:.1f}")
        if segment:
            segments.append(segment)
        dash = ' stroke-dasharray="6 4"' if lang != "all" else ""
        for seg in segments:
            out.append(
                f'<polyline points="{" ".join(seg)}" fill="none" stroke="{colour}" stroke-width="{width}"{dash}/>'
            )
        for i, v in enumerate(vals):
            if v is None:
                continue
            px, py = xy(i, v)
            out.append(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="{4 if lang == "all" else 3}" fill="{colour}">'
                f"<title>{LANG_NAMES[lang]} recall@{i + 1}: {_pct(v)}</title></circle>"
            )
            # label the overall line where it changes, so labels do not pile up
            if lang == "all" and (i == 0 or vals[i - 1] is None or abs(v - vals[i - 1]) > 1e-9):
                out.append(
                    f'<text x="{px:.1f}" y="{py + 18:.1f}" class="val" text-anchor="middle">{v * 100:.0f}</text>'
                )
    out.append("</svg>")
    return "".join(out)


def _latency_chart(report: dict, questions: Sequence[dict]) -> str:
    vals = [v for v in (_num(q.get("latency_ms")) for q in questions) if v is not None]
    lat = report.get("latency_ms") or {}
    p50, p95 = _num(lat.get("p50")), _num(lat.get("p95"))
    w, h = 500, 300
    left, right, top, bottom = 50, 16, 36, 58
    pw, ph = w - left - right, h - top - bottom
    if vals:
        lo, hi = min(vals), max(vals)
        bins = 12 if len(vals) >= 12 else max(1, len(vals))
        if hi - lo < 1e-9:
            lo, hi, bins = lo - 0.5, hi + 0.5, 1
        step = (hi - lo) / bins
        counts = [0] * bins
        for v in vals:
            counts[min(bins - 1, int((v - lo) / step))] += 1
    else:
        lo, hi, bins, step, counts = 0.0, 1.0, 0, 1.0, []
    cmax = max(counts) if counts else 0
    desc = f"{len(vals)} questions; p50 {_ms(p50)}, p95 {_ms(p95)}. " + "; ".join(
        f"{lo + i * step:,.0f}–{lo + (i + 1) * step:,.0f} ms: {c}" for i, c in enumerate(counts)
    )
    out = [_svg_open("chart-latency", w, h, "Per-question latency histogram", desc)]
    out.append(f'<rect x="{left}" y="8" width="12" height="12" rx="2" fill="#009E73"/>')
    out.append(f'<text x="{left + 17}" y="18" class="lg">questions per bin</text>')
    out.append(f'<line x1="{left + 150}" x2="{left + 164}" y1="14" y2="14" class="p50"/>')
    out.append(f'<text x="{left + 169}" y="18" class="lg">p50 {_e(_ms(p50))}</text>')
    out.append(f'<line x1="{left + 290}" x2="{left + 304}" y1="14" y2="14" class="p95"/>')
    out.append(f'<text x="{left + 309}" y="18" class="lg">p95 {_e(_ms(p95))}</text>')
    ymax = max(1, cmax)
    nice = max(1, math.ceil(ymax / 5))
    ymax = nice * math.ceil(ymax / nice)
    for t in range(0, ymax + 1, nice):
        y = top + ph - ph * t / ymax
        out.append(f'<line x1="{left}" x2="{w - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{t}</text>')
    out.append(
        f'<text class="axis" transform="translate(14 {top + ph / 2:.0f}) rotate(-90)" text-anchor="middle">'
        "questions</text>"
    )
    out.append(f'<text x="{left + pw / 2:.0f}" y="{h - 6}" class="axis" text-anchor="middle">latency (ms)</text>')
    if not counts:
        out.append(
            f'<text x="{left + pw / 2:.0f}" y="{top + ph / 2:.0f}" class="empty" text-anchor="middle">'
            "no latency data</text>"
        )
    else:
        bw = pw / bins
        for i, c in enumerate(counts):
            bh = ph * c / ymax
            bx = left + i * bw
            by = top + ph - bh
            rng = f"{lo + i * step:,.0f}–{lo + (i + 1) * step:,.0f} ms: {c} question(s)"
            if c:
                out.append(
                    f'<rect x="{bx + 1:.1f}" y="{by:.1f}" width="{max(1.0, bw - 2):.1f}" height="{bh:.1f}" '
                    f'fill="#009E73"><title>{rng}</title></rect>'
                )
                out.append(f'<text x="{bx + bw / 2:.1f}" y="{by - 4:.1f}" class="val" text-anchor="middle">{c}</text>')
        # edge ticks: every other edge when crowded
        every = 1 if bins <= 6 else 2
        for i in range(0, bins + 1, every):
            ex = left + i * bw
            out.append(f'<line x1="{ex:.1f}" x2="{ex:.1f}" y1="{top + ph}" y2="{top + ph + 4}" class="base"/>')
            out.append(
                f'<text x="{ex:.1f}" y="{top + ph + 16}" class="tick" text-anchor="middle">'
                f"{_fmt_tick(lo + i * step)}</text>"
            )
        for value, cls in ((p50, "p50"), (p95, "p95")):
            if value is not None and lo <= value <= hi:
                mx = left + pw * (value - lo) / (hi - lo)
                out.append(f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{top}" y2="{top + ph}" class="{cls}"/>')
    out.append(f'<line x1="{left}" x2="{w - right}" y1="{top + ph}" y2="{top + ph}" class="base"/>')
    out.append("</svg>")
    return "".join(out)


# --------------------------------------------------------------------------- sections

CSS = """
:root{--fg:#1a202c;--muted:#5a6473;--line:#d9dee5;--bg:#f6f7f9;--card:#fff;--ok:#1e7b4f;--okbg:#e3f4ea;
--bad:#b42318;--badbg:#fde8e7;--warn:#8a5a00;--warnbg:#fff4d6;--info:#245a8f;--infobg:#e5eef8}
*{box-sizing:border-box}
body{margin:0;padding:24px 32px 48px;background:var(--bg);color:var(--fg);
font:14px/1.5 system-ui,-apple-system,"Segoe UI","Noto Sans","Helvetica Neue",Arial,
"Noto Naskh Arabic","Noto Sans Arabic","Amiri",Tahoma,sans-serif}
:lang(ar),[dir=rtl]{font-family:"Noto Naskh Arabic","Noto Sans Arabic","Amiri","Geeza Pro",Tahoma,"Arial",sans-serif;
font-size:1.06em;line-height:1.7}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:28px 0 10px}
.meta{display:flex;flex-wrap:wrap;gap:6px 18px;color:var(--muted);margin:0 0 18px;padding:0;list-style:none}
.meta b{color:var(--fg);font-weight:600}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(145px,1fr));gap:10px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px}
.card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .v{font-size:26px;font-weight:650;margin-top:2px;font-variant-numeric:tabular-nums}
.card .s{color:var(--muted);font-size:12px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(400px,1fr));gap:14px}
figure{margin:0;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px}
figcaption{font-weight:600;margin-bottom:4px}
svg.chart{width:100%;height:auto;display:block;font-family:system-ui,"Segoe UI","Noto Sans",Arial,sans-serif}
svg .grid{stroke:#e6e9ee;stroke-width:1}
svg .base{stroke:#6b7280;stroke-width:1}
svg .tick{font-size:12px;fill:#4b5563}
svg .axis{font-size:13px;fill:#1f2937}
svg .lg{font-size:12px;fill:#1f2937}
svg .val{font-size:12px;fill:#111827;font-weight:600;paint-order:stroke;stroke:#fff;stroke-width:3px;
  stroke-linejoin:round}
svg .empty{font-size:14px;fill:#6b7280}
svg .p50{stroke:#CC79A7;stroke-width:2;stroke-dasharray:5 3}
svg .p95{stroke:#D55E00;stroke-width:2;stroke-dasharray:2 2}
table{border-collapse:collapse;width:100%;background:var(--card);border:1px solid var(--line)}
th,td{border-bottom:1px solid var(--line);padding:7px 9px;vertical-align:top;text-align:start}
thead th{background:#eef1f5;font-size:12px;text-transform:uppercase;letter-spacing:.03em;color:#374151;
position:sticky;top:0;z-index:1}
.num{text-align:end;font-variant-numeric:tabular-nums;white-space:nowrap}
table.breakdown td,table.breakdown th{white-space:nowrap}
.badge{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;font-weight:600;white-space:nowrap}
.badge.ok{background:var(--okbg);color:var(--ok)}
.badge.ok-abstain{background:var(--infobg);color:var(--info)}
.badge.bad{background:var(--badbg);color:var(--bad)}
.badge.warn{background:var(--warnbg);color:var(--warn)}
tr.fail>td:first-child{box-shadow:inset 4px 0 0 var(--bad)}
tr.fail{background:#fffafa}
tr.pass>td:first-child{box-shadow:inset 4px 0 0 #9ad3b5}
table.questions{table-layout:fixed}
table.questions td{overflow-wrap:anywhere}
table.questions .badge{white-space:normal;overflow-wrap:normal}
td.id{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
td.id .gold{font-family:system-ui,"Segoe UI","Noto Sans",Arial,sans-serif;font-size:11px}
td.a{font-size:13px}
.gold{color:var(--muted);font-size:12px;margin-top:6px}
.gold span{background:#f1f3f6;border-radius:4px;padding:0 4px;margin:0 2px;display:inline-block}
ol.cites{margin:0;padding:0;list-style:none}
ol.cites li{margin:0 0 8px}
ol.cites li:last-child{margin:0}
.ct{font-size:12px;color:var(--muted);display:block}
.ct code{font-size:11px}
.ct.tt{font-style:italic}
blockquote{margin:2px 0 0;padding:4px 10px;border-inline-start:3px solid #c7ced8;background:#fafbfc}
blockquote.problem{border-inline-start-color:var(--bad)}
mark.ev{background:#fff0a8;padding:0 1px;border-radius:2px}
mark.ans{background:#bfe9d2;padding:0 1px;border-radius:2px;outline:1px solid #5fbf8f}
mark.ev.ans{background:#bfe9d2;box-shadow:inset 0 -3px 0 #e6c200}
ul.problems{margin:0;padding-inline-start:16px;color:var(--bad)}
.none{color:var(--muted)}
.legend{color:var(--muted);font-size:12px;margin:6px 0 8px}
.counts{display:flex;flex-wrap:wrap;gap:8px;margin:0 0 10px}
.filter{display:inline-flex;align-items:center;gap:6px;margin:0 0 10px;font-weight:600;cursor:pointer}
#only-failures:checked ~ table tr.pass{display:none}
@media print{thead th{position:static}body{background:#fff;padding:0}}
"""


def _cards(report: dict) -> str:
    lat = report.get("latency_ms") or {}
    fa, fx = report.get("false_abstain"), report.get("false_answer")
    cards = [
        ("Answer accuracy", _pct(report.get("answer_accuracy")), f"{_int(report.get('answerable'))} answerable"),
        ("Citation precision", _pct(report.get("citation_precision")), "cited sentences that support"),
        ("Citation recall", _pct(report.get("citation_recall")), "evidence groups cited"),
        (
            "Abstention accuracy",
            _pct(report.get("abstention_accuracy")),
            f"false abstain {_int(fa)} · false answer {_int(fx)}",
        ),
        (
            "Evidence recall@5",
            _pct(report.get("evidence_recall@5")),
            f"@1 {_pct(report.get('evidence_recall@1'))} · @10 {_pct(report.get('evidence_recall@10'))}",
        ),
        ("MRR", _dec(report.get("mrr")), "first evidence rank"),
        ("Latency p50", _ms(lat.get("p50")), f"p95 {_ms(lat.get('p95'))}"),
        ("Questions", _int(report.get("n")), f"{_int(report.get('answerable'))} answerable"),
    ]
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card"><div class="k">{_e(k)}</div><div class="v">{_e(v)}</div>'
            f'<div class="s">{_e(s)}</div></div>'
            for k, v, s in cards
        )
        + "</div>"
    )


def _breakdown(report: dict) -> str:
    rows = [("all", report)]
    for lang, data in (report.get("by_lang") or {}).items():
        rows.append((f"lang: {lang}", data or {}))
    for part, data in (report.get("by_answerable") or {}).items():
        rows.append((part, data or {}))
    cols = [
        ("n", "n", _int),
        ("answerable", "answerable", _int),
        ("answer acc.", "answer_accuracy", _pct),
        ("cit. precision", "citation_precision", _pct),
        ("cit. recall", "citation_recall", _pct),
        ("short answer", "short_answer_accuracy", _pct),
        ("abstention acc.", "abstention_accuracy", _pct),
        ("false abstain", "false_abstain", _int),
        ("false answer", "false_answer", _int),
        ("R@1", "evidence_recall@1", _pct),
        ("R@5", "evidence_recall@5", _pct),
        ("R@10", "evidence_recall@10", _pct),
        ("MRR", "mrr", _dec),
    ]
    head = "<th>slice</th>" + "".join(f'<th class="num">{_e(c)}</th>' for c, _, _ in cols)
    head += '<th class="num">p50</th><th class="num">p95</th>'
    body = []
    for name, data in rows:
        lat = data.get("latency_ms") or {}
        cells = "".join(f'<td class="num">{_e(f(data.get(k)))}</td>' for _, k, f in cols)
        cells += f'<td class="num">{_e(_ms(lat.get("p50")))}</td><td class="num">{_e(_ms(lat.get("p95")))}</td>'
        body.append(f'<tr><th scope="row">{_e(name)}</th>{cells}</tr>')
    return (
        '<div style="overflow-x:auto"><table class="breakdown"><thead><tr>'
        + head
        + "</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table></div>"
    )


def _citations_cell(q: dict, evidence: list[str], answers: list[str]) -> str:
    cites = q.get("citations") or []
    if not cites:
        return '<span class="none">no citations</span>'
    problems = (q.get("verdicts") or {}).get("citation_problems") or {}
    items = []
    for n, c in enumerate(cites, 1):
        c = c or {}
        quote = str(c.get("quote") or "")
        title = str(c.get("title") or "")
        cid = str(c.get("id") or "")
        problem = problems.get(cid) if isinstance(problems, dict) else None
        flag = f' <span class="badge bad" title="citation problem">{_e(problem)}</span>' if problem else ""
        bq_cls = ' class="problem"' if problem else ""
        items.append(
            f'<li><span class="ct">[{n}] <code>{_e(cid)}</code>{flag}</span>'
            f'<span class="ct tt"{_dir_attrs(title)}>{_e(title)}</span>'
            f"<blockquote{bq_cls}{_dir_attrs(quote)}>"
            f"{highlight(quote, evidence, answers)}</blockquote></li>"
        )
    return '<ol class="cites">' + "".join(items) + "</ol>"


def _question_row(q: dict) -> str:
    verdict = verdict_of(q)
    label, cls, failed = VERDICTS[verdict]
    v = q.get("verdicts") or {}
    gold = q.get("gold") or {}
    evidence = _flatten(gold.get("evidence"))
    answers = _flatten(gold.get("answers"))
    lang = str(q.get("lang") or "")
    question = str(q.get("question") or "")
    answer = str(q.get("answer") or "")
    problems = [str(p) for p in (v.get("problems") or [])]
    cit_problems = v.get("citation_problems") or {}
    if isinstance(cit_problems, dict):
        problems += [f"citation {k}: {r}" for k, r in cit_problems.items()]

    conf = _num(q.get("confidence"))
    extra = []
    if conf is not None:
        extra.append(f"conf {conf:.2f}")
    if _num(q.get("latency_ms")) is not None:
        extra.append(_ms(q.get("latency_ms")))
    rank = v.get("evidence_rank")
    if q.get("answerable"):
        extra.append(f"evidence rank {rank}" if rank is not None else "evidence not retrieved")
    cell_id = f'<td class="id">{_e(q.get("id"))}<div class="gold">{_e(" · ".join(extra))}</div></td>'

    q_attrs = _dir_attrs(question, lang if lang in ("ar", "en") else None)
    # dir="auto": the first strong character decides, which is how the answer reads
    # (an English answer that quotes Arabic sentences stays left-to-right).
    if q.get("abstained"):
        answer_html = f'<div dir="auto"><em>{_e(answer) or "(abstained)"}</em></div>'
    else:
        answer_html = f'<div dir="auto">{highlight(answer, (), answers)}</div>'
    if answers:
        answer_html += (
            '<div class="gold">gold: ' + "".join(f"<span{_dir_attrs(a)}>{_e(a)}</span>" for a in answers) + "</div>"
        )
    elif not q.get("answerable"):
        answer_html += '<div class="gold">gold: unanswerable</div>'

    if problems:
        problems_html = (
            '<ul class="problems">' + "".join(f"<li{_dir_attrs(p)}>{_e(p)}</li>" for p in problems) + "</ul>"
        )
    else:
        problems_html = '<span class="none">–</span>'

    row_cls = "fail" if failed else "pass"
    return (
        f'<tr class="{row_cls} v-{verdict}">'
        f"{cell_id}"
        f"<td>{_e(lang) or DASH}</td>"
        f"<td>{'yes' if q.get('answerable') else 'no'}</td>"
        f'<td><span class="badge {cls}">{_e(label)}</span></td>'
        f'<td class="q"{q_attrs}>{_e(question)}</td>'
        f'<td class="a">{answer_html}</td>'
        f'<td class="c">{_citations_cell(q, evidence, answers)}</td>'
        f'<td class="p">{problems_html}</td>'
        "</tr>"
    )


COLGROUP = (
    '<colgroup><col style="width:8%"><col style="width:4%"><col style="width:7%"><col style="width:10%">'
    '<col style="width:14%"><col style="width:20%"><col style="width:25%"><col style="width:12%"></colgroup>'
)


def _questions(questions: Sequence[dict]) -> str:
    counts: dict[str, int] = {k: 0 for k in VERDICTS}
    for q in questions:
        counts[verdict_of(q)] += 1
    chips = "".join(f'<span class="badge {VERDICTS[k][1]}">{_e(VERDICTS[k][0])}: {c}</span>' for k, c in counts.items())
    # failures first; within each, the report's order
    ordered = sorted(questions, key=lambda q: not VERDICTS[verdict_of(q)][2])
    head = (
        "<tr><th>id</th><th>lang</th><th>answerable</th><th>verdict</th><th>question</th>"
        "<th>answer</th><th>cited sentences</th><th>what went wrong</th></tr>"
    )
    if ordered:
        body = "".join(_question_row(q) for q in ordered)
    else:
        body = '<tr><td colspan="8" class="none">No questions in this report.</td></tr>'
    n_fail = sum(1 for q in questions if VERDICTS[verdict_of(q)][2])
    return (
        f'<div class="counts">{chips}</div>'
        '<p class="legend">Highlights in cited sentences: <mark class="ev">gold evidence</mark> '
        '<mark class="ans">gold answer</mark> (exact matches in the raw text only; a sentence that '
        "matches only after Arabic normalisation is shown plain). Failures are listed first.</p>"
        '<input type="checkbox" id="only-failures">'
        f'<label class="filter" for="only-failures">show only failures ({n_fail})</label>'
        f'<table class="questions">{COLGROUP}<thead>{head}</thead><tbody>{body}</tbody></table>'
    )


# --------------------------------------------------------------------------- public API


def render_report(report: dict) -> str:
    """The whole evaluation report as one self-contained HTML document."""
    report = report or {}
    meta = report.get("meta") or {}
    questions = [q for q in (report.get("questions") or []) if isinstance(q, dict)]
    meta_items = [
        ("gold", meta.get("gold")),
        ("backend", meta.get("backend")),
        ("k", meta.get("k")),
        ("embedder", meta.get("embedder")),
        ("date", meta.get("created")),
    ]
    known = {"gold", "backend", "k", "embedder", "created"}
    meta_items += [(str(k), v) for k, v in meta.items() if k not in known and not isinstance(v, (dict, list))]
    meta_html = "".join(
        f"<li>{_e(k)}: <b{_dir_attrs(str(v)) if v is not None else ''}>"
        f"{_e(v) if v not in (None, '') else DASH}</b></li>"
        for k, v in meta_items
    )
    title = f"dalil evaluation — {meta.get('backend') or 'report'} — {meta.get('created') or ''}".strip(" —")
    return "".join(
        [
            "<!DOCTYPE html>\n",
            '<html lang="en" dir="ltr"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_e(title)}</title>",
            f"<style>{CSS}</style></head><body>",
            "<header><h1>dalil evaluation report</h1>",
            f'<ul class="meta">{meta_html}</ul>',
            _cards(report),
            "</header><main>",
            '<h2>Charts</h2><div class="charts">',
            f"<figure><figcaption>Quality by language</figcaption>{_bars_chart(report)}</figure>",
            f"<figure><figcaption>Evidence recall@k</figcaption>{_recall_chart(report)}</figure>",
            f"<figure><figcaption>Latency per question</figcaption>{_latency_chart(report, questions)}</figure>",
            "</div>",
            "<h2>Breakdown</h2>",
            _breakdown(report),
            f"<h2>Questions ({len(questions)})</h2>",
            _questions(questions),
            "</main></body></html>\n",
        ]
    )


def write_report(report: dict, path: Path) -> None:
    """Write ``render_report(report)`` to ``path`` (UTF-8), creating parent folders."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(report), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render an evaluation report JSON as HTML.")
    parser.add_argument("report", type=Path, help="report JSON written by the evaluation runner")
    parser.add_argument("-o", "--out", type=Path, help="HTML file to write (default: next to the JSON)")
    args = parser.parse_args(argv)
    report = json.loads(args.report.read_text(encoding="utf-8"))
    out = args.out or args.report.with_suffix(".html")
    write_report(report, out)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
