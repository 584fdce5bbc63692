"""The demo loaders of documents and notices: they fill the demo citizen's wallet and inbox once."""

import random

import pytest

from smartgov.accounts.models import Membership
from smartgov.documents import demo as documents_demo
from smartgov.documents import selectors as documents
from smartgov.notices import demo as notices_demo
from smartgov.notices import selectors as notices
from smartgov.tenancy.context import tenant_context
from tests.builders import make_department, make_member, make_tenant

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("profile", ["intl", "gm"])
def test_demo_loaders_fill_the_wallet_and_inbox_once(profile, django_capture_on_commit_callbacks):
    tenant = make_tenant(crypto_profile=profile)
    make_department(tenant, "civil-affairs")
    citizen = make_member(tenant, Membership.Kind.CITIZEN, email=f"citizen@{tenant.slug}.demo")
    with tenant_context(tenant), django_capture_on_commit_callbacks(execute=True):
        for _run in range(2):
            documents_demo.load(tenant, random.Random(1))
            notices_demo.load(tenant, random.Random(1))
        wallet = list(documents.wallet(tenant, citizen))
        assert len(wallet) == 4
        assert {d.source for d in wallet} == {"upload", "issued"}
        assert any(d.issuer_department and d.issuer_department.code == "civil-affairs" for d in wallet)
        assert notices.inbox(tenant, citizen).count() == 4
        assert notices.unread_count(tenant, citizen) == 3
