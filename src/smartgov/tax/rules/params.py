"""Dated parameters: every amount, rate, table and flag of the rules, read from the JSON files in
``parameters/`` (JSON rather than YAML so the pure core needs nothing beyond the standard library).

Each parameter holds a list of values, each with the date it takes effect and its legal source. The
value for a period is the latest one whose ``from`` is on or before the date asked about, so a value
that changed on 2023-01-01 still answers the old value for any 2022 date. A policy that expires is a
new entry with the old default. Amounts are written in yuan (as the law writes them) and become
integer fen on loading; rates are decimal strings and become exact ``Fraction``s.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

from smartgov.kit.errors import InvalidInput

PARAMETER_DIR = Path(__file__).parent / "parameters"


@dataclass(frozen=True)
class Bracket:
    """A row of a progressive table: income up to ``up_to`` fen (None: no ceiling)."""

    up_to: int | None
    rate: Fraction
    quick_deduction: int


@dataclass(frozen=True)
class ParamValue:
    """One parameter's value on a date, with where it comes from: what a trace shows."""

    name: str
    value: Any
    effective_from: date
    source: str
    label: dict[str, str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": _plain(self.value),
            "effective_from": self.effective_from.isoformat(),
            "source": self.source,
            "label": dict(self.label),
        }


def _plain(value: Any) -> Any:
    """A JSON-friendly form: fen stay ints, rates become decimal strings."""
    if isinstance(value, Fraction):
        return _rate_text(value)
    if isinstance(value, Bracket):
        return {"up_to": value.up_to, "rate": _rate_text(value.rate), "quick_deduction": value.quick_deduction}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _rate_text(rate: Fraction) -> str:
    # every rate in the law is a whole number of basis points or coarser
    scaled = rate * 10000
    if scaled.denominator != 1:
        return f"{rate.numerator}/{rate.denominator}"
    whole, frac = divmod(int(scaled), 10000)
    return f"{whole}.{frac:04d}".rstrip("0").rstrip(".") if frac else str(whole)


def _fen(text: str) -> int:
    value = Fraction(text) * 100
    if value.denominator != 1:
        raise ValueError(f"amount {text!r} has fractions of a fen")
    return int(value)


def _convert(kind: str, raw: Any) -> Any:
    if kind == "amount":
        return _fen(raw)
    if kind == "amounts":
        return {k: _fen(v) for k, v in raw.items()}
    if kind == "rate":
        return Fraction(raw)
    if kind == "rates":
        return {k: Fraction(v) for k, v in raw.items()}
    if kind == "flag":
        if not isinstance(raw, bool):
            raise ValueError("a flag is true or false")
        return raw
    if kind == "table":
        rows = tuple(
            Bracket(None if r["up_to"] is None else _fen(r["up_to"]), Fraction(r["rate"]), _fen(r["quick_deduction"]))
            for r in raw
        )
        if rows[-1].up_to is not None or any(r.up_to is None for r in rows[:-1]):
            raise ValueError("only a table's last row is open-ended")
        return rows
    raise ValueError(f"unknown parameter kind {kind!r}")


@dataclass(frozen=True)
class _Parameter:
    name: str
    label: dict[str, str]
    starts: tuple[date, ...]
    values: tuple[Any, ...]
    sources: tuple[str, ...]

    def on(self, day: date) -> ParamValue:
        index = bisect.bisect_right(self.starts, day) - 1
        if index < 0:
            raise InvalidInput.for_field(
                "period",
                f"No rule for {day.isoformat()}: {self.name} takes effect on {self.starts[0].isoformat()}.",
                code="period_not_covered",
            )
        return ParamValue(self.name, self.values[index], self.starts[index], self.sources[index], self.label)


@cache
def _registry() -> dict[str, _Parameter]:
    registry: dict[str, _Parameter] = {}
    for path in sorted(PARAMETER_DIR.glob("*.json")):
        for name, spec in json.loads(path.read_text(encoding="utf-8")).items():
            entries = sorted(spec["values"], key=lambda e: e["from"])
            starts = tuple(date.fromisoformat(e["from"]) for e in entries)
            if len(set(starts)) != len(starts):
                raise ValueError(f"{name}: two values take effect on the same day")
            registry[name] = _Parameter(
                name=name,
                label=spec["label"],
                starts=starts,
                values=tuple(_convert(spec["kind"], e["value"]) for e in entries),
                sources=tuple(e["source"] for e in entries),
            )
    return registry


def param(name: str, on: date) -> ParamValue:
    """The value of parameter ``name`` in force on ``on`` (raises a 422 ``period`` error before its first date)."""
    return _registry()[name].on(on)


def names() -> list[str]:
    return sorted(_registry())


def history(name: str) -> list[ParamValue]:
    """Every value the parameter has had, oldest first (for docs and staff pages)."""
    p = _registry()[name]
    return [ParamValue(name, v, s, src, p.label) for s, v, src in zip(p.starts, p.values, p.sources, strict=True)]
