"""Inline SVG bar charts for the dashboard: no JavaScript, readable by screen readers (title,
description and a text label on every bar)."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR = 22
GAP = 8
LABEL_WIDTH = 220
PLOT_WIDTH = 360


def bars(rows: list[tuple[str, float]], title: str, maximum: float | None = None) -> SafeString:
    top = maximum or max((v for _n, v in rows), default=0) or 1
    height = max(1, len(rows)) * (BAR + GAP) + GAP
    width = LABEL_WIDTH + PLOT_WIDTH + 60
    parts = [
        f'<svg role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" width="100%" '
        f'xmlns="http://www.w3.org/2000/svg" class="chart"><title>{escape(title)}</title>'
    ]
    for i, (name, value) in enumerate(rows):
        y = GAP + i * (BAR + GAP)
        length = PLOT_WIDTH * (value / top) if top else 0
        shown = f"{value:g}"
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + BAR * 0.7:.1f}" text-anchor="end" font-size="13">'
            f"{escape(name)}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR}" fill="#b42318" rx="3">'
            f"<title>{escape(name)}: {shown}</title></rect>"
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{y + BAR * 0.7:.1f}" font-size="13">{shown}</text>'
        )
    if not rows:
        parts.append(f'<text x="10" y="20" font-size="13">{escape("—")}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  # every interpolated text is escaped above
