"""E-receipts: issued once per succeeded payment, numbered, signed, verifiable, mailed, downloadable."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.db import connection

from smartgov.accounts import permissions as perms
from smartgov.audit.models import AuditEvent
from smartgov.billing.receipts import selectors, services
from smartgov.billing.receipts.document import canonical
from smartgov.billing.receipts.models import Receipt
from smartgov.kit import signing
from smartgov.kit.errors import Conflict
from smartgov.tenancy.context import tenant_context
from tests.billing.helpers import billing_world, issue, notify, paid_bill, pay
from tests.builders import bearer, make_api_key, make_citizen

pytestmark = pytest.mark.django_db


def receipts_of(tenant):
    with tenant_context(tenant):
        return list(selectors.receipts(tenant))


def test_paying_a_bill_in_full_issues_one_signed_receipt_by_the_bill_paid_hook(django_capture_on_commit_callbacks):
    tenant, water, citizen = billing_world()
    bill = issue(tenant, water, citizen)
    payment = pay(tenant, bill)
    with django_capture_on_commit_callbacks(execute=True):
        notify(tenant, payment)
    with django_capture_on_commit_callbacks(execute=True):
        notify(tenant, payment)  # a repeated notification issues nothing more
    [receipt] = receipts_of(tenant)
    assert receipt.payment_id == payment.pk
    assert receipt.amount_fen == bill.total_fen == 4313
    assert receipt.content["amount_in_words"] == "肆拾叁元壹角叁分"
    assert receipt.content["payment_code"] == bill.payment_code
    assert receipt.content["items"][0]["item"] == "水费 Water"
    assert receipt.number.startswith(f"{tenant.reference_prefix}PJ-")
    signature = signing.Signature(receipt.signature_algorithm, receipt.public_key, receipt.signature)
    assert signature.verifies(canonical(receipt.content))
    with tenant_context(tenant):
        assert selectors.verify(tenant, receipt).valid
        assert AuditEvent.objects.filter(tenant=tenant, action="billing.receipt_issued").count() == 1


def test_the_payer_is_told_through_notices_with_a_link_to_the_receipt(django_capture_on_commit_callbacks):
    from smartgov.notices.models import Message

    tenant, water, citizen = billing_world()
    bill = issue(tenant, water, citizen)
    payment = pay(tenant, bill)
    with django_capture_on_commit_callbacks(execute=True):
        notify(tenant, payment)
    with tenant_context(tenant):
        [message] = Message.objects.filter(tenant=tenant, recipient=citizen)
    assert message.event == "payment_received"
    assert message.link == f"/{tenant.slug}/receipts/payment/{payment.pk}"
    assert "¥43.13" in message.body
    assert [m.to for m in mail.outbox] == [[citizen.user.email]]
    assert bill.payment_code in mail.outbox[0].body


def test_partial_payments_get_receipts_from_the_sweep_and_only_once():
    tenant, water, citizen = billing_world()
    bill = issue(tenant, water, citizen)
    first = pay(tenant, bill, 1000)
    notify(tenant, first)
    second = pay(tenant, bill, 500)
    notify(tenant, second)
    unpaid = pay(tenant, bill, 100)  # never succeeds: no receipt
    with tenant_context(tenant):
        assert services.issue_missing(tenant) == 2
        assert services.issue_missing(tenant) == 0
    numbers = sorted(r.number for r in receipts_of(tenant))
    assert len(set(numbers)) == 2
    assert {r.payment_id for r in receipts_of(tenant)} == {first.pk, second.pk}
    with tenant_context(tenant), pytest.raises(Conflict):
        services.issue_receipt(tenant, unpaid.pk)


def test_issuing_twice_returns_the_same_receipt_and_the_database_forbids_a_second():
    tenant, water, citizen = billing_world()
    _bill, payment = paid_bill(tenant, water, citizen)
    with tenant_context(tenant):
        a = services.issue_receipt(tenant, payment.pk)
        b = services.issue_receipt(tenant, payment.pk)
        assert a.pk == b.pk
        from django.db import IntegrityError

        with pytest.raises(IntegrityError), tenant_context(tenant):
            Receipt.objects.create(
                tenant=tenant, payment=payment, number="X", issued_at=a.issued_at, amount_fen=1,
                currency="CNY", content={}, signature_algorithm="ed25519", public_key="", signature="",
            )


def test_receipt_numbers_are_per_tenant_sequences():
    t1, w1, c1 = billing_world("rc-one")
    t2, w2, c2 = billing_world("rc-two")
    for tenant, water, citizen in ((t1, w1, c1), (t1, w1, c1), (t2, w2, c2)):
        _bill, payment = paid_bill(tenant, water, citizen)
        with tenant_context(tenant):
            services.issue_receipt(tenant, payment.pk)
    assert sorted(r.number[-6:] for r in receipts_of(t1)) == ["000001", "000002"]
    assert [r.number[-6:] for r in receipts_of(t2)] == ["000001"]


def test_altered_content_or_foreign_key_does_not_verify():
    tenant, water, citizen = billing_world()
    _bill, payment = paid_bill(tenant, water, citizen)
    with tenant_context(tenant):
        receipt = services.issue_receipt(tenant, payment.pk)
        tampered = Receipt.objects.get(pk=receipt.pk)
        tampered.content = {**tampered.content, "payer": "别人 Someone else"}
        assert selectors.verify(tenant, tampered).reason == "bad_signature"
        inflated = Receipt.objects.get(pk=receipt.pk)
        inflated.amount_fen += 1
        assert selectors.verify(tenant, inflated).reason == "altered"
        forged = Receipt.objects.get(pk=receipt.pk)
        other = signing.key_from_seed(b"x" * 32, "intl")
        forged.public_key = other.public_key()
        forged.signature = other.sign(canonical(forged.content))
        assert selectors.verify(tenant, forged).reason == "unknown_key"


def test_gm_profile_tenant_signs_receipts_with_sm2():
    tenant, water, citizen = billing_world()
    tenant.crypto_profile = "gm"
    tenant.save()
    _bill, payment = paid_bill(tenant, water, citizen)
    with tenant_context(tenant):
        receipt = services.issue_receipt(tenant, payment.pk)
        assert receipt.signature_algorithm == "sm2"
        assert selectors.verify(tenant, receipt).valid


def test_receipt_page_issues_and_links_pdf_and_public_verification(client):
    tenant, water, citizen = billing_world()
    _bill, payment = paid_bill(tenant, water, citizen)
    page = client.get(f"/{tenant.slug}/receipts/payment/{payment.pk}")
    assert page.status_code == 200
    [receipt] = receipts_of(tenant)
    assert receipt.number in page.content.decode()
    assert "肆拾叁元壹角叁分" in page.content.decode()
    pdf = client.get(f"/{tenant.slug}/receipts/payment/{payment.pk}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    verify = client.get(f"/{tenant.slug}/receipts/verify/{receipt.pk}")
    assert verify.status_code == 200 and 'data-valid="true"' in verify.content.decode()
    missing = client.get(f"/{tenant.slug}/receipts/verify/{payment.pk}")  # not a receipt id
    assert missing.status_code == 404 and 'data-valid="false"' in missing.content.decode()


def test_receipt_page_of_an_unfinished_payment_waits():
    tenant, water, citizen = billing_world()
    bill = issue(tenant, water, citizen)
    payment = pay(tenant, bill)
    from django.test import Client

    page = Client().get(f"/{tenant.slug}/receipts/payment/{payment.pk}")
    assert page.status_code == 200 and "正在等待支付渠道确认" in page.content.decode()
    assert receipts_of(tenant) == []


def test_api_receipt_for_staff_and_payer_only_and_public_verify(client):
    tenant, water, citizen = billing_world()
    _bill, payment = paid_bill(tenant, water, citizen)
    _c, staff = make_api_key(tenant, [perms.BILLS_READ])
    _c, nobody = make_api_key(tenant, [perms.DEPARTMENTS_READ])
    base = f"/api/v1/t/{tenant.slug}/billing"
    assert client.get(f"{base}/payments/{payment.pk}/receipt", **bearer(nobody)).status_code == 404
    got = client.get(f"{base}/payments/{payment.pk}/receipt", **bearer(staff))
    assert got.status_code == 200, got.content
    body = got.json()
    assert body["amount_in_words"] == "肆拾叁元壹角叁分"
    again = client.get(f"{base}/payments/{payment.pk}/receipt", **bearer(staff)).json()
    assert again["id"] == body["id"] and again["number"] == body["number"]
    pdf = client.get(f"{base}/receipts/{body['id']}/pdf", **bearer(staff))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert [r["id"] for r in client.get(f"{base}/receipts", **bearer(staff)).json()] == [body["id"]]
    public = client.get(f"{base}/receipts/{body['id']}/verify")
    assert public.status_code == 200 and public.json()["valid"] is True
    assert client.get(f"{base}/receipts/not-a-uuid/verify").status_code == 404


def test_api_refuses_a_receipt_for_an_unpaid_payment(client):
    tenant, water, citizen = billing_world()
    payment = pay(tenant, issue(tenant, water, citizen))
    _c, staff = make_api_key(tenant, [perms.BILLS_READ])
    answer = client.get(f"/api/v1/t/{tenant.slug}/billing/payments/{payment.pk}/receipt", **bearer(staff))
    assert answer.status_code == 409 and answer.json()["code"] == "payment_not_succeeded"


def test_another_tenants_receipt_is_not_found(client):
    t1, w1, c1 = billing_world("rc-a")
    t2, _w2, _c2 = billing_world("rc-b")
    _bill, payment = paid_bill(t1, w1, c1)
    with tenant_context(t1):
        receipt = services.issue_receipt(t1, payment.pk)
    _c, key2 = make_api_key(t2, [perms.BILLS_READ])
    base = f"/api/v1/t/{t2.slug}/billing"
    assert client.get(f"{base}/receipts/{receipt.pk}", **bearer(key2)).status_code == 404
    assert client.get(f"{base}/receipts/{receipt.pk}/verify").status_code == 404
    assert client.get(f"/{t2.slug}/receipts/verify/{receipt.pk}").status_code == 404


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_issuers_make_exactly_one_receipt():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    tenant, water, citizen = billing_world()
    _bill, payment = paid_bill(tenant, water, citizen)
    ids, errors = [], []

    def issue_one():
        try:
            with tenant_context(tenant):
                ids.append(services.issue_receipt(tenant, payment.pk).pk)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue_one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(ids)) == 1
    assert len(receipts_of(tenant)) == 1


def test_a_payer_sees_their_own_receipts_only(client):
    tenant, water, citizen = billing_world()
    _bill, mine = paid_bill(tenant, water, citizen)
    other = make_citizen(tenant)
    _bill, theirs = paid_bill(tenant, water, other)
    with tenant_context(tenant):
        mine_receipt = services.issue_receipt(tenant, mine.pk)
        theirs_receipt = services.issue_receipt(tenant, theirs.pk)
    client.force_login(citizen.user)
    page = client.get(f"/{tenant.slug}/receipts/mine").content.decode()
    assert mine_receipt.number in page and theirs_receipt.number not in page
    api = client.get(f"/api/v1/t/{tenant.slug}/billing/my/receipts")
    assert api.status_code == 200, api.content
    assert [r["number"] for r in api.json()] == [mine_receipt.number]
    assert client.get(f"/api/v1/t/{tenant.slug}/billing/receipts/{theirs_receipt.pk}").status_code == 404
    assert client.get(f"/api/v1/t/{tenant.slug}/billing/receipts/{mine_receipt.pk}/pdf").status_code == 200
