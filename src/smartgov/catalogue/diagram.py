"""A workflow drawn as SVG on the server: states in layers by distance from the start, transitions
as arrows (forward ones straight, backward ones curved below). Pure: no Django, no database."""

from __future__ import annotations

from collections import deque
from html import escape
from typing import Any

NODE_W, NODE_H, GAP_X, GAP_Y, MARGIN = 150, 46, 90, 34, 24
FILL = {"start": "#e0f2fe", "work": "#ffffff", "final": "#dcfae6"}
STROKE = {"start": "#175cd3", "work": "#1f2933", "final": "#067647"}


def _label(item: dict[str, Any], language: str, fallback: str) -> str:
    label = item.get("label") or {}
    if isinstance(label, dict):
        return str(label.get("en" if language.startswith("en") else "zh") or label.get("zh") or label.get("en")
                   or fallback)
    return fallback


def layers(definition: dict[str, Any]) -> dict[str, int]:
    """Each state's layer: its shortest distance from the start; unreachable ones after the rest."""
    states = [s["id"] for s in definition.get("states", [])]
    kinds = {s["id"]: s.get("kind") for s in definition.get("states", [])}
    start = next((sid for sid in states if kinds[sid] == "start"), states[0] if states else None)
    depth: dict[str, int] = {}
    if start is not None:
        depth[start] = 0
        queue = deque([start])
        while queue:
            current = queue.popleft()
            for t in definition.get("transitions", []):
                if t.get("from") == current and t.get("to") in kinds and t["to"] not in depth:
                    depth[t["to"]] = depth[current] + 1
                    queue.append(t["to"])
    last = max(depth.values(), default=0)
    for sid in states:
        depth.setdefault(sid, last + 1)
    return depth


def render(definition: dict[str, Any], language: str = "zh", title: str = "") -> str:
    """An accessible SVG (role=img, with a title) of a workflow definition that passed ``validate``."""
    depth = layers(definition)
    by_layer: dict[int, list[str]] = {}
    for sid in [s["id"] for s in definition.get("states", [])]:
        by_layer.setdefault(depth[sid], []).append(sid)
    pos: dict[str, tuple[int, int]] = {}
    for layer, members in by_layer.items():
        for row, sid in enumerate(members):
            pos[sid] = (MARGIN + layer * (NODE_W + GAP_X), MARGIN + row * (NODE_H + GAP_Y))
    rows = max((len(m) for m in by_layer.values()), default=1)
    width = MARGIN * 2 + (max(by_layer, default=0) + 1) * (NODE_W + GAP_X) - GAP_X
    height = MARGIN * 2 + rows * (NODE_H + GAP_Y) - GAP_Y + 60  # room for the curves below
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="workflow-diagram" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" font-family="system-ui, sans-serif" '
        f'font-size="12">',
        f"<title>{escape(title or 'workflow')}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#616e7c"/></marker></defs>',
    ]
    for t in definition.get("transitions", []):
        if t.get("from") not in pos or t.get("to") not in pos:
            continue
        (x1, y1), (x2, y2) = pos[t["from"]], pos[t["to"]]
        name = escape(_label(t, language, t.get("action", "")))
        colour = {"rejection": "#b42318", "approval": "#067647", "correction": "#b54708"}.get(
            t.get("kind", "normal"), "#616e7c")
        roles = escape(", ".join(t.get("roles", [])))
        if x2 > x1:  # forward: a straight arrow from the right edge to the left edge
            sx, sy, ex, ey = x1 + NODE_W, y1 + NODE_H // 2, x2, y2 + NODE_H // 2
            out.append(f'<g class="transition"><title>{name} ({roles})</title>'
                       f'<line x1="{sx}" y1="{sy}" x2="{ex}" y2="{ey}" stroke="{colour}" stroke-width="1.5" '
                       f'marker-end="url(#arrow)"/>'
                       f'<text x="{(sx + ex) // 2}" y="{(sy + ey) // 2 - 4}" text-anchor="middle" '
                       f'fill="{colour}">{name}</text></g>')
        else:  # backward or within a layer: a curve below the boxes
            sx, sy, ex, ey = x1 + NODE_W // 2, y1 + NODE_H, x2 + NODE_W // 2, y2 + NODE_H
            dip = max(sy, ey) + 40
            out.append(f'<g class="transition"><title>{name} ({roles})</title>'
                       f'<path d="M {sx} {sy} C {sx} {dip}, {ex} {dip}, {ex} {ey}" fill="none" stroke="{colour}" '
                       f'stroke-width="1.5" stroke-dasharray="4 3" marker-end="url(#arrow)"/>'
                       f'<text x="{(sx + ex) // 2}" y="{dip - 8}" text-anchor="middle" fill="{colour}">{name}</text>'
                       f'</g>')
    for state in definition.get("states", []):
        sid, kind = state["id"], state.get("kind", "work")
        x, y = pos[sid]
        name = escape(_label(state, language, sid))
        extra = []
        if state.get("time_limit_days"):
            extra.append(f"{state['time_limit_days']}d")
        if state.get("signoff"):
            extra.append("+".join(state["signoff"].get("departments", [])))
        sub = escape(" · ".join(extra))
        radius = 22 if kind != "work" else 6
        out.append(f'<g class="state {escape(kind)}" data-state="{escape(sid)}"><rect x="{x}" y="{y}" '
                   f'width="{NODE_W}" height="{NODE_H}" rx="{radius}" fill="{FILL.get(kind, "#fff")}" '
                   f'stroke="{STROKE.get(kind, "#1f2933")}" stroke-width="{2 if kind == "final" else 1.5}"/>'
                   f'<text x="{x + NODE_W // 2}" y="{y + (19 if sub else 28)}" text-anchor="middle" '
                   f'font-weight="600">{name}</text>')
        if sub:
            out.append(f'<text x="{x + NODE_W // 2}" y="{y + 36}" text-anchor="middle" fill="#616e7c" '
                       f'font-size="11">{sub}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)
