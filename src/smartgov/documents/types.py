"""Built-in document types and their retention periods. Tenants override names and periods in
the database (``DocumentType``); a code not listed here is not a document type."""

from __future__ import annotations

from dataclasses import dataclass

YEAR = 365


@dataclass(frozen=True)
class DocType:
    code: str
    name_zh: str
    name_en: str
    retention_days: int | None  # None: kept until someone deletes it
    overridden: bool = False

    def display_name(self, language: str | None) -> str:
        return self.name_en if (language or "").startswith("en") else self.name_zh


# Periods follow common practice for Chinese government records: application materials are kept
# while a decision may be reviewed or litigated (administrative reconsideration and litigation
# windows, plus margin); payment vouchers like accounting records; decisions and certificates long.
BUILTIN: dict[str, DocType] = {
    t.code: t
    for t in (
        DocType("identity_document", "身份证明", "Identity document", 5 * YEAR),
        DocType("supporting_document", "申请材料", "Supporting document", 3 * YEAR),
        DocType("photo", "照片", "Photograph", 1 * YEAR),
        DocType("certificate", "证照", "Certificate or licence", None),
        DocType("decision", "决定书", "Decision letter", 30 * YEAR),
        DocType("receipt", "缴费凭证", "Payment receipt", 10 * YEAR),
        DocType("other", "其他材料", "Other document", 1 * YEAR),
    )
}
