"""Wiring billing's channel registry (``settings.PAYMENT_PROVIDERS``: code -> a no-argument factory)
to the real adapters pointed at a running payment-provider simulator, until billing builds its
adapters from ``providers.registry`` itself. ``settings.PAYSIM_URL`` and ``settings.PAYSIM_KEYS_DIR``
say where the simulator and its demo keys are."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

from smartgov.billing.providers.base import PaymentProvider
from smartgov.billing.providers.registry import build, default_providers

CHANNELS = ("alipay", "wechat", "unionpay")


def _adapter(code: str) -> PaymentProvider:
    url = getattr(settings, "PAYSIM_URL", "") or os.environ["SMARTGOV_PAYSIM_URL"]
    keys = getattr(settings, "PAYSIM_KEYS_DIR", "") or os.environ["SMARTGOV_PAYSIM_KEYS_DIR"]
    return build(code, default_providers(url, Path(keys))[code], "intl")


def alipay() -> PaymentProvider:
    return _adapter("alipay")


def wechat() -> PaymentProvider:
    return _adapter("wechat")


def unionpay() -> PaymentProvider:
    return _adapter("unionpay")


PROVIDERS = {code: f"tests.billing.receipts.simwire.{code}" for code in CHANNELS}
