"""What a file really is, from its bytes: a pure module (no database, no Django), unit-tested alone.

Browsers and clients declare a content type; the declaration is the client's claim, not a fact.
``verdict`` compares the claim with what the magic bytes say and refuses executables outright,
whatever they are called. Office Open XML and OFD files are ZIP archives, so for those the archive's
member names decide (a ZIP that is not a known document format is refused: it could carry anything).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
WEBP = "image/webp"
TIFF = "image/tiff"
OFD = "application/ofd"  # GB/T 33190, China's layout document format (a ZIP with OFD.xml)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT = "text/plain"
CSV = "text/csv"
EXECUTABLE = "application/x-executable"
ZIP = "application/zip"

ACCEPTED = frozenset({PDF, PNG, JPEG, GIF, WEBP, TIFF, OFD, DOCX, XLSX, TEXT, CSV})

# Names clients send for the same thing: normalised before comparing.
ALIASES = {
    "image/jpg": JPEG,
    "image/pjpeg": JPEG,
    "image/x-png": PNG,
    "application/x-pdf": PDF,
    "application/vnd.ofd": OFD,
    "text/comma-separated-values": CSV,
    "application/csv": CSV,
}

EXTENSIONS = {
    PDF: ".pdf",
    PNG: ".png",
    JPEG: ".jpg",
    GIF: ".gif",
    WEBP: ".webp",
    TIFF: ".tif",
    OFD: ".ofd",
    DOCX: ".docx",
    XLSX: ".xlsx",
    TEXT: ".txt",
    CSV: ".csv",
}

_EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",  # Linux, most Unix
    b"\xfe\xed\xfa\xce",  # Mach-O 32-bit
    b"\xfe\xed\xfa\xcf",  # Mach-O 64-bit
    b"\xce\xfa\xed\xfe",  # Mach-O 32-bit, little-endian
    b"\xcf\xfa\xed\xfe",  # Mach-O 64-bit, little-endian
    b"\xca\xfe\xba\xbe",  # Mach-O universal binary (and Java classes: refused alike)
    b"#!",  # scripts with an interpreter line
    b"\x00asm",  # WebAssembly
    b"dex\n",  # Android Dalvik
)
# Text that is really a script or markup a browser would run: never stored as "plain text".
_ACTIVE_TEXT = (b"<script", b"<html", b"<!doctype html", b"<svg", b"<?php", b"<%")
_SNIFF_WINDOW = 8192  # how much of a text file is inspected


def normalise(content_type: str) -> str:
    """``Image/JPG; charset=x`` -> ``image/jpeg``."""
    base = content_type.split(";", 1)[0].strip().lower()
    return ALIASES.get(base, base)


def _zip_kind(content: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return ZIP  # looks like a ZIP but isn't a readable one: no known document format
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            return DOCX
        if "xl/workbook.xml" in names:
            return XLSX
    if "OFD.xml" in names:
        return OFD
    return ZIP


def _is_text(content: bytes) -> bool:
    window = content[:_SNIFF_WINDOW]
    if b"\x00" in window:
        return False
    lowered = window.lstrip().lower()
    if any(lowered.startswith(marker) for marker in _ACTIVE_TEXT):
        return False
    # Cut at the window's end may split a multi-byte character: decode leniently at the tail only.
    for encoding in ("utf-8", "gb18030"):
        try:
            text = window.decode(encoding)
        except UnicodeDecodeError as exc:
            if len(content) > _SNIFF_WINDOW and exc.start >= len(window) - 4:
                text = window[: exc.start].decode(encoding, errors="strict")
            else:
                continue
        allowed_controls = {"\t", "\n", "\r", "\f"}
        return not any(ord(ch) < 32 and ch not in allowed_controls for ch in text)
    return False


def detect(content: bytes) -> str | None:
    """The content type the bytes show, ``EXECUTABLE`` for programs, or None when unknown."""
    if not content:
        return None
    if content.startswith(_EXECUTABLE_MAGIC):
        return EXECUTABLE
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if len(content) >= 12 and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return WEBP
    if content.startswith((b"II*\x00", b"MM\x00*")):
        return TIFF
    if content.startswith(b"PK\x03\x04"):
        return _zip_kind(content)
    if _is_text(content.removeprefix(b"\xef\xbb\xbf")):  # UTF-8, with or without a byte-order mark
        return TEXT
    return None


@dataclass(frozen=True)
class Verdict:
    """``ok``: store it as ``content_type``. Otherwise ``problem`` is a stable code and ``field``
    names what the caller should fix."""

    ok: bool
    content_type: str = ""
    problem: str = ""
    field: str = ""
    detected: str | None = None


def verdict(declared: str, content: bytes) -> Verdict:
    """Accept ``content`` declared as ``declared`` only when the bytes agree and the type is one
    the platform keeps. CSV is text: text declared as CSV is CSV."""
    claimed = normalise(declared)
    found = detect(content)
    if found == EXECUTABLE:
        return Verdict(False, problem="executable_refused", field="file", detected=found)
    if claimed not in ACCEPTED:
        return Verdict(False, problem="unsupported_type", field="declared_type", detected=found)
    if found is None or found == ZIP:
        return Verdict(False, problem="unrecognised_content", field="file", detected=found)
    if claimed == found or (claimed == CSV and found == TEXT):
        return Verdict(True, content_type=claimed, detected=found)
    return Verdict(False, problem="type_mismatch", field="declared_type", detected=found)
