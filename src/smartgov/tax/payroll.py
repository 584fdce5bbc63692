"""Reading and checking a payroll file (CSV or XLSX) for a monthly withholding return.

Columns (header row first; English or Chinese names; order free; blank cells are zero):

| column | 中文 | meaning |
| --- | --- | --- |
| ``id_number`` | 身份证号 | the employee's resident identity number (required) |
| ``name`` | 姓名 | the employee's name (required) |
| ``wages`` | 工资薪金 | wages and salaries this month, yuan |
| ``labour`` | 劳务报酬 | labour remuneration paid this month, yuan |
| ``authors`` | 稿酬 | author's remuneration paid this month, yuan |
| ``royalties`` | 特许权使用费 | royalties paid this month, yuan |
| ``social_insurance`` | 专项扣除 | employee's social insurance and housing fund this month, yuan |
| ``special_additional`` | 专项附加扣除 | declared special additional deductions this month, yuan |
| ``other_deductions`` | 其他扣除 | other deductions this month (e.g. private pension), yuan |
| ``period`` | 所属期 | optional; when present it must be the return's period, YYYY-MM |

Every problem is collected (row, column, reason) before anything is filed: the caller files only a
file with no problems. Row numbers are the file's own (the header is row 1).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from smartgov.kit import identity, money

INCOME_KINDS = ("wages", "labour", "authors", "royalties")
DEDUCTIONS = ("social_insurance", "special_additional", "other_deductions")
AMOUNT_COLUMNS = INCOME_KINDS + DEDUCTIONS
REQUIRED = ("id_number", "name")
KNOWN = REQUIRED + AMOUNT_COLUMNS + ("period",)
ALIASES = {
    "身份证号": "id_number",
    "身份证件号码": "id_number",
    "姓名": "name",
    "工资薪金": "wages",
    "劳务报酬": "labour",
    "稿酬": "authors",
    "特许权使用费": "royalties",
    "专项扣除": "social_insurance",
    "专项附加扣除": "special_additional",
    "其他扣除": "other_deductions",
    "所属期": "period",
}
# Columns that look like an income of some kind: an unknown one is refused rather than ignored,
# since silently dropping an income column would under-withhold.
_INCOME_LIKE = re.compile(r"^(income_|收入|所得)")
PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
MAX_ROWS = 200_000
MAX_AMOUNT_FEN = 10**13  # 100 billion yuan: anything above is a typo, not a salary


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "reason": self.reason}


@dataclass
class PayrollRow:
    row: int
    id_number: str
    name: str
    amounts: dict[str, int] = field(default_factory=dict)  # fen, every AMOUNT_COLUMNS key

    def __getattr__(self, item: str) -> int:
        try:
            return self.__dict__["amounts"][item]
        except KeyError:
            raise AttributeError(item) from None


@dataclass
class Payroll:
    rows: list[PayrollRow]
    problems: list[Problem]


class UnreadableFile(ValueError):
    """Not a CSV or XLSX we can read at all (reported as one problem on row 0)."""


def parse_period(text: str) -> tuple[int, int] | None:
    match = PERIOD.match(text.strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def _canonical(header: str) -> str:
    text = str(header or "").strip()
    return ALIASES.get(text, text.lower())


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV in GB18030
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableFile(_("The file is neither UTF-8 nor GB18030 text."))
    yield from csv.reader(io.StringIO(text))


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise UnreadableFile(_("The file is not a readable XLSX workbook.")) from exc
    sheet = book.worksheets[0]
    for values in sheet.iter_rows(values_only=True):
        yield ["" if v is None else _cell_text(v) for v in values]


def _cell_text(value: Any) -> str:
    if isinstance(value, float):
        # Spreadsheet numbers are binary floats; repr gives the shortest text that round-trips.
        return repr(value)
    return str(value)


def rows_of(data: bytes, filename: str) -> Iterator[list[str]]:
    if filename.lower().endswith(".xlsx") or data[:2] == b"PK":
        return _xlsx_rows(data)
    return _csv_rows(data)


def read(data: bytes, filename: str, *, period: str) -> Payroll:
    """Parse and check a payroll file for ``period``; every problem is reported, none raised."""
    problems: list[Problem] = []
    rows: list[PayrollRow] = []
    try:
        lines = rows_of(data, filename)
        header = next(lines, None)
    except UnreadableFile as exc:
        return Payroll([], [Problem(0, "", str(exc))])
    if header is None:
        return Payroll([], [Problem(0, "", _("The file is empty."))])
    columns = [_canonical(h) for h in header]
    for name in columns:
        if name and name not in KNOWN:
            reason = (
                _("unknown income kind; the kinds are %(kinds)s") % {"kinds": ", ".join(INCOME_KINDS)}
                if _INCOME_LIKE.match(name)
                else _("unknown column")
            )
            problems.append(Problem(1, name, reason))
    for name in REQUIRED:
        if name not in columns:
            problems.append(Problem(1, name, _("required column is missing")))
    if problems:
        return Payroll([], problems)
    seen: dict[str, int] = {}
    for number, values in enumerate(lines, start=2):
        if not any(str(v).strip() for v in values):
            continue
        if number - 1 > MAX_ROWS:
            problems.append(Problem(number, "", _("too many rows (at most %(n)d)") % {"n": MAX_ROWS}))
            break
        cells = dict(zip(columns, values, strict=False))
        row = _check_row(number, cells, period, problems)
        if row is None:
            continue
        if row.id_number in seen:
            problems.append(
                Problem(number, "id_number", _("same employee as row %(row)d") % {"row": seen[row.id_number]})
            )
            continue
        seen[row.id_number] = number
        rows.append(row)
    if not rows and not problems:
        problems.append(Problem(0, "", _("The file has no employee rows.")))
    return Payroll(rows, problems)


def _check_row(number: int, cells: dict[str, str], period: str, problems: list[Problem]) -> PayrollRow | None:
    before = len(problems)
    id_number = identity.normalise(str(cells.get("id_number", "")))
    if not id_number:
        problems.append(Problem(number, "id_number", _("required")))
    else:
        problem = identity.resident_id_problem(id_number)
        if problem:
            problems.append(Problem(number, "id_number", _("not a valid resident identity number: %s") % problem))
    name = str(cells.get("name", "")).strip()
    if not name:
        problems.append(Problem(number, "name", _("required")))
    elif len(name) > 100:
        problems.append(Problem(number, "name", _("at most 100 characters")))
    row_period = str(cells.get("period", "") or "").strip()
    if row_period:
        if parse_period(row_period) is None:
            problems.append(Problem(number, "period", _("malformed period; use YYYY-MM")))
        elif row_period != period:
            problems.append(
                Problem(
                    number, "period", _("belongs to %(p)s, not this return's %(q)s") % {"p": row_period, "q": period}
                )
            )
    amounts: dict[str, int] = {}
    for column in AMOUNT_COLUMNS:
        raw = str(cells.get(column, "") or "").strip()
        if not raw:
            amounts[column] = 0
            continue
        try:
            fen = money.parse_amount(raw)
        except ValueError:
            problems.append(Problem(number, column, _("not an amount in yuan with at most 2 decimals")))
            continue
        if fen < 0:
            reason = _("negative income") if column in INCOME_KINDS else _("negative deduction")
            problems.append(Problem(number, column, reason))
        elif fen > MAX_AMOUNT_FEN:
            problems.append(Problem(number, column, _("implausibly large amount")))
        amounts[column] = fen
    if len(problems) > before:
        return None
    return PayrollRow(number, id_number, name, amounts)
