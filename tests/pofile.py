"""A small reader of gettext .po catalogues for the translation tests (polib is not a dependency)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "smartgov"
_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")\s*$")


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgstrs: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False


def read(path: Path) -> list[Entry]:
    """Every entry but the header, in file order."""
    entries: list[Entry] = []
    current: Entry | None = None
    last: str | None = None
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if current is not None and (current.msgid or current.msgctxt is not None):
                entries.append(current)
            current, last = None, None
            continue
        current = current or Entry()
        if line.startswith("#~"):
            current.obsolete = True
        elif line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif match := _KEYWORD.match(line):
            last, text = match.group(1), ast.literal_eval(match.group(2))
            if last.startswith("msgstr"):
                current.msgstrs.append(text)
            elif last == "msgid":
                current.msgid = text
            elif last == "msgctxt":
                current.msgctxt = text
        elif line.startswith('"') and last is not None:
            text = ast.literal_eval(line)
            if last.startswith("msgstr"):
                current.msgstrs[-1] += text
            elif last == "msgid":
                current.msgid += text
            elif last == "msgctxt":
                current.msgctxt = (current.msgctxt or "") + text
    return entries


def catalogue(app: str) -> Path:
    return SRC / app / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


_PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]+\}")


def problems(path: Path) -> list[str]:
    """What keeps a catalogue from being complete: untranslated, fuzzy or obsolete entries, lost placeholders."""
    found = []
    for entry in read(path):
        name = f"{entry.msgctxt}|{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.obsolete:
            found.append(f"obsolete: {name}")
        elif "fuzzy" in entry.flags:
            found.append(f"fuzzy: {name}")
        elif not entry.msgstrs or not all(entry.msgstrs):
            found.append(f"untranslated: {name}")
        elif any(sorted(_PLACEHOLDER.findall(s)) != sorted(_PLACEHOLDER.findall(entry.msgid)) for s in entry.msgstrs):
            found.append(f"placeholders differ: {name}")
    return found
