import pytest

from tests.billing.fakes import PROVIDERS, FakeProvider


@pytest.fixture(autouse=True)
def _fake_channel(settings):
    settings.PAYMENT_PROVIDERS = PROVIDERS
    FakeProvider.reset()
    yield
    FakeProvider.reset()
