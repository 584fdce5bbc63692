"""Settings of the production server the chaos test starts: the project's own, with the payment
channels wired to the simulator (see simwire)."""

from smartgov.config.settings import *  # noqa: F403
from tests.billing.receipts.simwire import PROVIDERS

PAYMENT_PROVIDERS = PROVIDERS
