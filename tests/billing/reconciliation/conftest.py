import pytest

from tests.billing.fakes import FakeProvider
from tests.billing.reconciliation.fakes import PROVIDERS


@pytest.fixture(autouse=True)
def _statement_channel(settings, _fake_channel):
    settings.PAYMENT_PROVIDERS = PROVIDERS
    FakeProvider.reset()
    yield
