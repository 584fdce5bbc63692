"""The billing pages speak Simplified Chinese, and the billing catalogue is complete."""

from __future__ import annotations

import pytest

from tests.billing.helpers import billing_world, issue
from tests.pofile import catalogue, problems, read


def chinese(client, url: str, **params: str) -> str:
    client.cookies["django_language"] = "zh-hans"
    page = client.get(url, params, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code in (200, 422)
    return page.content.decode()


@pytest.mark.django_db
def test_pages_speak_chinese(client):
    tenant, water, citizen = billing_world()
    bill = issue(tenant, water, citizen)
    lookup = chinese(client, f"/{tenant.slug}/bills/")
    assert "在线缴费" in lookup and "请输入缴款通知书上的缴款码" in lookup
    refused = chinese(client, f"/{tenant.slug}/bills/", code="12345")
    assert "缴款码无效（应为 20 位数字）。" in refused
    page = chinese(client, f"/{tenant.slug}/bills/code/{bill.payment_code}")
    assert "缴款码" in page and "执收单位" in page and "未缴金额" in page and "立即缴费" in page
    assert "待缴款" in page  # the bill's state, not another app's "签发"
    client.force_login(citizen.user)
    mine = chinese(client, f"/{tenant.slug}/bills/mine")
    assert "我的缴款单" in mine and "缴款期限" in mine
    client.cookies["django_language"] = "en"
    english = client.get(f"/{tenant.slug}/bills/code/{bill.payment_code}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Outstanding" in english and "未缴金额" not in english


def test_the_catalogue_is_complete():
    entries = read(catalogue("billing"))
    assert len(entries) > 90
    assert problems(catalogue("billing")) == []
