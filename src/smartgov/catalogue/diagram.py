"""A workflow drawn as SVG on the server: states in layers by distance from the start, transitions
as arrows (forward ones straight, backward ones curved below). Pure: no Django, no database."""

from __future__ import annotations

from collections import deque
from html import escape
from typing import Any

NODE_W, NODE_H, GAP_X, GAP_Y, MARGIN = 150, 46, 150, 34, 24
LANE = 16  # vertical distance between the lanes of long and backward arrows
MAX_LABEL = 22  # characters of a transition's label drawn between two layers
FILL = {"start": "#e0f2fe", "work": "#ffffff", "final": "#dcfae6"}
STROKE = {"start": "#175cd3", "work": "#1f2933", "final": "#067647"}


def _label(item: dict[str, Any], language: str, fallback: str) -> str:
    label = item.get("label") or {}
    if isinstance(label, dict):
        return str(label.get("en" if language.startswith("en") else "zh") or label.get("zh") or label.get("en")
                   or fallback)
    return fallback


def layers(definition: dict[str, Any]) -> dict[str, int]:
    """Each state's layer: its shortest distance from the start; final states all in the last layer,
    so every arrow into a final state runs forward; unreachable states after the rest."""
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
    working = [d for sid, d in depth.items() if kinds[sid] != "final"]
    last = max(working, default=0)
    for sid in states:
        if kinds[sid] == "final" or sid not in depth:
            depth[sid] = last + 1
    return depth


def _curve_y_at(x: float, *points: tuple[float, float]) -> int:
    """The y of a cubic Bézier (monotone in x) where it passes ``x``, found by bisection."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = points

    def at(t: float, a: float, b: float, c: float, d: float) -> float:
        u = 1 - t
        return a * u**3 + 3 * b * u * u * t + 3 * c * u * t * t + d * t**3

    lo, hi = 0.0, 1.0
    for _ in range(30):
        mid = (lo + hi) / 2
        if at(mid, x0, x1, x2, x3) < x:
            lo = mid
        else:
            hi = mid
    return round(at(lo, y0, y1, y2, y3))


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def render(definition: dict[str, Any], language: str = "zh", title: str = "") -> str:
    """An accessible SVG (role=img, with a title) of a workflow definition that passed ``validate``."""
    depth = layers(definition)
    by_layer: dict[int, list[str]] = {}
    for sid in [s["id"] for s in definition.get("states", [])]:
        by_layer.setdefault(depth[sid], []).append(sid)
    edges = [t for t in definition.get("transitions", []) if t.get("from") in depth and t.get("to") in depth]
    # Arrows that skip a layer run in lanes above the boxes, arrows back run in lanes below them, so
    # no arrow crosses a box and no two labels share a place.
    skips = [t for t in edges if depth[t["to"]] - depth[t["from"]] > 1]
    backs = [t for t in edges if depth[t["to"]] <= depth[t["from"]]]
    top = MARGIN + LANE * len(skips) + (8 if skips else 0)
    pos: dict[str, tuple[int, int]] = {}
    for layer, members in by_layer.items():
        for row, sid in enumerate(members):
            pos[sid] = (MARGIN + layer * (NODE_W + GAP_X), top + row * (NODE_H + GAP_Y))
    rows = max((len(m) for m in by_layer.values()), default=1)
    bottom = top + rows * (NODE_H + GAP_Y) - GAP_Y
    width = MARGIN * 2 + (max(by_layer, default=0) + 1) * (NODE_W + GAP_X) - GAP_X
    height = bottom + MARGIN + (LANE * len(backs) + 12 if backs else 0)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="workflow-diagram" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" font-family="system-ui, sans-serif" '
        f'font-size="12">',
        f"<title>{escape(title or 'workflow')}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#616e7c"/></marker></defs>',
    ]
    for t in edges:
        (x1, y1), (x2, y2) = pos[t["from"]], pos[t["to"]]
        full = _label(t, language, t.get("action", ""))
        name = escape(_short(full))
        colour = {"rejection": "#b42318", "approval": "#067647", "correction": "#b54708"}.get(
            t.get("kind", "normal"), "#616e7c")
        head = f'<g class="transition"><title>{escape(full)} ({escape(", ".join(t.get("roles", [])))})</title>'
        line = f'fill="none" stroke="{colour}" stroke-width="1.5" marker-end="url(#arrow)"'
        if t in skips:  # over the top: up from the source's right edge, along a lane, down into the target
            lane = MARGIN + LANE * skips.index(t) + 6
            sx, sy, ex, ey = x1 + NODE_W, y1 + NODE_H // 2, x2, y2 + NODE_H // 2
            path = (f"M {sx} {sy} C {sx + 24} {sy}, {sx + 24} {lane}, {sx + 48} {lane} L {ex - 48} {lane} "
                    f"C {ex - 24} {lane}, {ex - 24} {ey}, {ex} {ey}")
            text = f'<text x="{sx + 54}" y="{lane - 3}" fill="{colour}" font-size="11">{name}</text>'
        elif t in backs:  # under the bottom: down from the source, along a lane, up into the target
            lane = bottom + 12 + LANE * backs.index(t)
            sx, sy, ex, ey = x1 + NODE_W // 2 + 10, y1 + NODE_H, x2 + NODE_W // 2 - 10, y2 + NODE_H
            path = (f"M {sx} {sy} C {sx} {lane}, {sx} {lane}, {sx - 20} {lane} L {ex + 20} {lane} "
                    f"C {ex} {lane}, {ex} {lane}, {ex} {ey}")
            text = f'<text x="{(sx + ex) // 2}" y="{lane - 3}" text-anchor="middle" fill="{colour}" ' \
                   f'font-size="11">{name}</text>'
        else:  # to the next layer: leave and arrive level; the label on the curve in the gap
            sx, sy, ex, ey = x1 + NODE_W, y1 + NODE_H // 2, x2, y2 + NODE_H // 2
            bend = GAP_X // 2
            lx = sx + GAP_X // 2
            ly = _curve_y_at(lx, (sx, sy), (sx + bend, sy), (ex - bend, ey), (ex, ey))
            path = f"M {sx} {sy} C {sx + bend} {sy}, {ex - bend} {ey}, {ex} {ey}"
            text = f'<text x="{lx}" y="{ly - 5}" text-anchor="middle" fill="{colour}" font-size="11">{name}</text>'
        out.append(f'{head}<path d="{path}" {line}/>{text}</g>')
    for state in definition.get("states", []):
        sid, kind = state["id"], state.get("kind", "work")
        x, y = pos[sid]
        name = escape(_label(state, language, sid))
        extra = []
        if state.get("time_limit_days"):
            extra.append(f"{state['time_limit_days']}d")
        if state.get("signoff"):
            count = len(state["signoff"].get("departments", []))
            extra.append(f"会签×{count}" if not language.startswith("en") else f"{count} sign-offs")
        sub = escape(" · ".join(extra))
        radius = 22 if kind != "work" else 6
        departments = ", ".join(state.get("signoff", {}).get("departments", [])) or state.get("department", "")
        out.append(f'<g class="state {escape(kind)}" data-state="{escape(sid)}">'
                   f'<title>{escape(_label(state, language, sid))} {escape(departments)}</title><rect x="{x}" y="{y}" '
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
