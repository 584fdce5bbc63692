"""Demo data of the documents app for one demo city; called by `smartgov demo` (demo/world.py).

Must be idempotent: a second `smartgov demo` calls it again on the same data. The demo citizen's
wallet gets two uploads (an identity card scan, a tenancy agreement summary) and two documents
departments issued (a residence certificate, a payment receipt), so the wallet page and "attach
from the wallet" have something to show."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw

from smartgov.accounts import selectors as accounts_selectors
from smartgov.audit.services import Actor
from smartgov.documents import selectors, services
from smartgov.kit import clock, pdf
from smartgov.tenancy import selectors as tenancy_selectors
from smartgov.tenancy.models import Tenant

ACTOR = Actor.system("smartgov demo")


def _id_card_scan(rng: random.Random) -> bytes:
    image = Image.new("RGB", (428, 270), (226, 236, 246))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 130, 160), fill=(180, 190, 205))  # the photo
    for row in range(5):
        width = rng.randint(150, 260)
        draw.rectangle((150, 30 + row * 28, 150 + width, 42 + row * 28), fill=(90, 100, 120))
    draw.rectangle((40, 220, 390, 236), fill=(60, 60, 60))  # the number line
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _issued_pdf(tenant: Tenant, title: str, number: str, rows: list[tuple[str, str]]) -> bytes:
    return pdf.render(pdf.SignedDocument(
        issuer=tenant.name_zh, title=title, number=number, rows=rows,
        verify_url=f"https://smartgov.example/{tenant.slug}/documents/",
        signature_lines=["演示文件，无签名 · Demo document, not signed"],
        footer=f"{tenant.name_zh} · smartgov",
    ))


def load(tenant: Tenant, rng: random.Random) -> None:
    """Fill the demo citizen's document wallet (runs inside the tenant's context)."""
    citizen = next(
        (m for m in accounts_selectors.memberships(tenant, "citizen") if m.user.email == f"citizen@{tenant.slug}.demo"),
        None,
    )
    if citizen is None or selectors.wallet(tenant, citizen).exists():
        return
    name = getattr(getattr(citizen, "profile", None), "full_name", "") or citizen.user.full_name
    year = clock.local_now().year
    services.upload(ACTOR, tenant, citizen, file_name="身份证扫描件.png", content=_id_card_scan(rng),
                    declared_type="image/png", doc_type="identity_document", title="居民身份证（正反面）")
    services.upload(
        ACTOR, tenant, citizen, file_name="租赁合同摘要.txt", declared_type="text/plain",
        doc_type="supporting_document", title="房屋租赁合同（摘要）",
        content=(f"房屋租赁合同摘要\n承租人：{name}\n租赁期限：{year}-01-01 至 {year + 1}-12-31\n"
                 "月租金：人民币 2,800.00 元\n").encode(),
    )
    departments = {d.code: d for d in tenancy_selectors.departments(tenant)}
    number = f"{tenant.reference_prefix}-JZ-{year}-{rng.randint(1, 999999):06d}"
    rows = [("姓名", name), ("事项", "兹证明该居民在本市居住满一年。"), ("有效期", f"{year + 1}-12-31")]
    services.store_issued(
        ACTOR, tenant, citizen, doc_type="certificate", title="居住证明",
        issuer_department=departments.get("civil-affairs"), content=_issued_pdf(tenant, "居住证明", number, rows),
    )
    number = f"{tenant.reference_prefix}-PJ-{year}-{rng.randint(1, 999999):06d}"
    rows = [("缴款人", name), ("项目", "居住证工本费"), ("金额", "¥20.00（贰拾元整）")]
    services.store_issued(
        ACTOR, tenant, citizen, doc_type="receipt", title="非税收入缴款凭证",
        issuer_department=departments.get("tax-bureau"),
        content=_issued_pdf(tenant, "非税收入缴款凭证", number, rows),
    )
