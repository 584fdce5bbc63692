"""Idempotency-Key: a replay returns the first answer, another body with the same key is a 409,
a refused request is not stored, and two callers never share a key."""

import pytest
from django.test import RequestFactory

from smartgov.api import idempotency
from smartgov.api.models import IdempotencyRecord
from smartgov.kit.errors import Conflict, DomainError, InvalidInput
from smartgov.tenancy.context import tenant_context
from tests.builders import make_tenant

pytestmark = pytest.mark.django_db


class _Caller:
    def __init__(self, actor_id):
        self.actor = type("A", (), {"type": "api_client", "id": actor_id})()


def _request(tenant, key, caller="c1"):
    request = RequestFactory().post("/x", HTTP_IDEMPOTENCY_KEY=key) if key is not None else RequestFactory().post("/x")
    request.tenant = tenant
    request.auth = _Caller(caller)
    return request


def test_a_replay_returns_the_first_answer_without_running_again():
    tenant = make_tenant()
    runs = []

    def effect():
        runs.append(1)
        return 201, {"id": len(runs), "amount": 500}

    with tenant_context(tenant):
        first = idempotency.run(_request(tenant, "k-1"), "billing.pay", {"amount": 500}, effect)
        again = _request(tenant, "k-1")
        second = idempotency.run(again, "billing.pay", {"amount": 500}, effect)
    assert first == second == (201, {"id": 1, "amount": 500})
    assert len(runs) == 1
    assert getattr(again, idempotency.REPLAYED_ATTRIBUTE) is True


def test_the_same_key_with_another_body_is_a_conflict():
    tenant = make_tenant()
    with tenant_context(tenant):
        idempotency.run(_request(tenant, "k-2"), "billing.pay", {"amount": 500}, lambda: (201, {"ok": 1}))
        with pytest.raises(Conflict) as refused:
            idempotency.run(_request(tenant, "k-2"), "billing.pay", {"amount": 501}, lambda: (201, {"ok": 2}))
    assert refused.value.code == "idempotency_key_reused"


def test_a_refused_request_is_not_stored_and_can_be_retried_with_the_same_key():
    tenant = make_tenant()

    def refuse():
        raise InvalidInput.for_field("amount", "too much")

    with tenant_context(tenant):
        with pytest.raises(InvalidInput):
            idempotency.run(_request(tenant, "k-3"), "billing.pay", {"amount": 9}, refuse)
        assert not IdempotencyRecord.objects.filter(tenant=tenant, key="k-3").exists()
        assert idempotency.run(_request(tenant, "k-3"), "billing.pay", {"amount": 9}, lambda: (201, {"ok": 1})) == (
            201,
            {"ok": 1},
        )


def test_keys_are_per_caller_and_per_operation():
    tenant = make_tenant()
    with tenant_context(tenant):
        a = idempotency.run(_request(tenant, "k", "alice"), "billing.pay", {}, lambda: (201, {"who": "alice"}))
        b = idempotency.run(_request(tenant, "k", "bob"), "billing.pay", {}, lambda: (201, {"who": "bob"}))
        c = idempotency.run(_request(tenant, "k", "alice"), "cases.submit", {}, lambda: (201, {"who": "submit"}))
    assert [a[1]["who"], b[1]["who"], c[1]["who"]] == ["alice", "bob", "submit"]


def test_a_missing_or_oversized_key_is_a_client_error():
    tenant = make_tenant()
    with tenant_context(tenant):
        with pytest.raises(DomainError) as missing:
            idempotency.run(_request(tenant, None), "billing.pay", {}, lambda: (201, {}))
        assert missing.value.status == 400
        with pytest.raises(InvalidInput):
            idempotency.run(_request(tenant, "k" * 256), "billing.pay", {}, lambda: (201, {}))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_have_one_effect_and_one_answer():
    import threading

    from django.db import connection

    from smartgov.tenancy import services as tenancy
    from smartgov.tenancy.models import Department
    from tests.builders import SYSTEM

    tenant = make_tenant()
    barrier = threading.Barrier(6)
    answers = []

    def effect():
        department = tenancy.create_department(SYSTEM, tenant, "water-utility", "自来水公司", "Water utility")
        return 201, {"department": str(department.pk)}

    def client():
        try:
            barrier.wait()
            with tenant_context(tenant):
                answers.append(idempotency.run(_request(tenant, "same-key"), "x.create", {"n": 1}, effect))
        except Exception as exc:  # a unique-code clash would surface here as a failure
            answers.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 6
    assert len({repr(a) for a in answers}) == 1, answers
    with tenant_context(tenant):
        assert Department.objects.filter(tenant=tenant, code="water-utility").count() == 1
