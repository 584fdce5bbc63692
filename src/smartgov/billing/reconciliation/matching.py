"""The matching rules, as a pure function over plain values (no database), so they are tested alone.

A statement line matches our record with the same reference on the same channel: a payment line
by ``out_trade_no``, a refund line by ``out_refund_no``. Then:

- no such record of ours                          -> ``missing_ours``
- the reference appears twice on the statement    -> ``duplicate_line`` (the second and later lines)
- our record has not succeeded                    -> ``state_mismatch``
- currencies differ                               -> ``currency_mismatch``
- amounts differ                                  -> ``amount_mismatch``
- otherwise the line is matched.

Every succeeded record of ours that belongs to the statement's day (``expected``) and that no line
of this statement (nor of another statement: ``settled_elsewhere``) matched -> ``missing_statement``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Ours:
    """One of our payments or refunds, as matching needs it."""

    kind: str  # payment | refund
    reference: str  # out_trade_no | out_refund_no
    pk: Any
    state: str
    amount_fen: int
    currency: str


@dataclass(frozen=True)
class Line:
    position: int
    kind: str
    reference: str
    amount_fen: int
    currency: str


@dataclass(frozen=True)
class Found:
    kind: str  # a Difference.Kind value
    reference: str
    line_position: int | None
    ours: Ours | None
    ours_fen: int | None
    theirs_fen: int | None

    @property
    def key(self) -> tuple[str, str, int | None]:
        return self.kind, self.reference, self.line_position


@dataclass(frozen=True)
class Result:
    matched: dict[int, Ours]  # line position -> our record (also for lines with a difference)
    differences: list[Found]


def match(
    lines: Iterable[Line],
    ours: Mapping[tuple[str, str], Ours],
    expected: Iterable[Ours],
    settled_elsewhere: set[tuple[str, str]] = frozenset(),  # type: ignore[assignment]
) -> Result:
    matched: dict[int, Ours] = {}
    differences: list[Found] = []
    seen: set[tuple[str, str]] = set()
    for line in lines:
        key = (line.kind, line.reference)
        record = ours.get(key)
        if record is not None:
            matched[line.position] = record
        if key in seen:
            differences.append(Found("duplicate_line", line.reference, line.position, record, None, line.amount_fen))
            continue
        seen.add(key)
        if record is None:
            differences.append(Found("missing_ours", line.reference, line.position, None, None, line.amount_fen))
        elif record.state != "succeeded":
            differences.append(
                Found("state_mismatch", line.reference, line.position, record, record.amount_fen, line.amount_fen)
            )
        elif record.currency != line.currency:
            differences.append(
                Found("currency_mismatch", line.reference, line.position, record, record.amount_fen, line.amount_fen)
            )
        elif record.amount_fen != line.amount_fen:
            differences.append(
                Found("amount_mismatch", line.reference, line.position, record, record.amount_fen, line.amount_fen)
            )
    for record in expected:
        key = (record.kind, record.reference)
        if record.state == "succeeded" and key not in seen and key not in settled_elsewhere:
            differences.append(Found("missing_statement", record.reference, None, record, record.amount_fen, None))
    return Result(matched, differences)
