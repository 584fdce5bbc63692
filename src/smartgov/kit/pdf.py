"""Official documents as PDF: certificates, licences, e-receipts.

One layout for every signed document the platform issues: the issuer's name, a title, a number,
label/value rows, an optional table of items, the issuer's seal, a QR code that opens the public
verification page, and the signature block. Chinese text uses the Adobe CID font STSong-Light that
ships with every PDF reader, so no font file is embedded and the files stay small.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import qrcode
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
_SEAL_RED = colors.Color(0.8, 0.1, 0.1)


@dataclass(frozen=True)
class SignedDocument:
    issuer: str  # printed at the top and in the seal
    title: str
    number: str  # certificate or receipt number
    rows: Sequence[tuple[str, str]]  # label, value
    verify_url: str  # what the QR code opens
    signature_lines: Sequence[str]  # algorithm, key fingerprint, signature value
    items_header: Sequence[str] = ()
    items: Sequence[Sequence[str]] = field(default_factory=tuple)
    footer: str = ""


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _qr_image(url: str) -> ImageReader:
    image = qrcode.make(url, box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    return ImageReader(buffer)


def _seal(pdf: canvas.Canvas, x: float, y: float, radius: float, issuer: str) -> None:
    """A round red seal: ring, five-pointed star, the issuer's name curved along the top."""
    font = _font()
    pdf.saveState()
    pdf.setStrokeColor(_SEAL_RED)
    pdf.setFillColor(_SEAL_RED)
    pdf.setLineWidth(2.5)
    pdf.circle(x, y, radius, stroke=1, fill=0)
    star = pdf.beginPath()
    for i in range(10):
        r = radius * (0.28 if i % 2 == 0 else 0.11)
        angle = math.pi / 2 + i * math.pi / 5
        point = (x + r * math.cos(angle), y + r * math.sin(angle))
        star.moveTo(*point) if i == 0 else star.lineTo(*point)
    star.close()
    pdf.drawPath(star, stroke=0, fill=1)
    text = issuer[:14]
    size = 10
    pdf.setFont(font, size)
    span = math.radians(200)
    for i, char in enumerate(text):
        angle = math.pi / 2 + span / 2 - (span * (i + 0.5) / max(len(text), 1))
        px = x + (radius - size - 2) * math.cos(angle)
        py = y + (radius - size - 2) * math.sin(angle)
        pdf.saveState()
        pdf.translate(px, py)
        pdf.rotate(math.degrees(angle) - 90)
        pdf.drawCentredString(0, 0, char)
        pdf.restoreState()
    pdf.restoreState()


def render(document: SignedDocument) -> bytes:
    font = _font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)  # invariant: same input, same bytes
    pdf.setTitle(f"{document.title} {document.number}")
    pdf.setAuthor(document.issuer)
    width, height = A4
    margin = 56
    y = height - margin
    pdf.setFont(font, 12)
    pdf.drawCentredString(width / 2, y, document.issuer)
    y -= 34
    pdf.setFont(font, 22)
    pdf.drawCentredString(width / 2, y, document.title)
    y -= 22
    pdf.setFont(font, 10)
    pdf.drawRightString(width - margin, y, f"No. {document.number}")
    y -= 18
    pdf.line(margin, y, width - margin, y)
    y -= 24
    for label, value in document.rows:
        pdf.setFont(font, 11)
        pdf.drawString(margin, y, label)
        lines = _wrap(value, 42) or [""]
        for line in lines:
            pdf.drawString(margin + 130, y, line)
            y -= 18
        y -= 2
    if document.items:
        y -= 8
        columns = len(document.items_header) or len(document.items[0])
        col = (width - 2 * margin) / columns
        pdf.setFont(font, 10)
        pdf.setFillColor(colors.whitesmoke)
        pdf.rect(margin, y - 4, width - 2 * margin, 18, stroke=0, fill=1)
        pdf.setFillColor(colors.black)
        for i, head in enumerate(document.items_header):
            pdf.drawString(margin + i * col + 4, y, head)
        y -= 20
        for row in document.items:
            for i, cell in enumerate(row):
                pdf.drawString(margin + i * col + 4, y, str(cell)[:30])
            y -= 16
    qr_size = 110
    bottom = margin + 70
    pdf.drawImage(_qr_image(document.verify_url), margin, bottom, qr_size, qr_size)
    pdf.setFont(font, 8)
    pdf.drawString(margin, bottom - 10, document.verify_url[:95])
    _seal(pdf, width - margin - 70, bottom + 55, 55, document.issuer)
    pdf.setFont(font, 7)
    sig_y = margin + 40
    for line in document.signature_lines:
        for chunk in _wrap(line, 110):
            pdf.drawString(margin, sig_y, chunk)
            sig_y -= 9
    if document.footer:
        pdf.setFont(font, 8)
        pdf.drawCentredString(width / 2, margin - 20, document.footer)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _wrap(text: str, width: int) -> list[str]:
    """Hard-wrap by character count (CJK text has no spaces to break on)."""
    out: list[str] = []
    for paragraph in str(text).splitlines() or [""]:
        out.extend(paragraph[i : i + width] for i in range(0, max(len(paragraph), 1), width))
    return out
