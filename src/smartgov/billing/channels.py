"""Finding the adapter of a payment channel by its code.

``settings.PAYMENT_PROVIDERS`` maps a channel code to the dotted path of a ``PaymentProvider``
class, e.g. ``{"alipay": "smartgov.billing.providers.alipay.AlipayProvider"}``. Each class is built
once per process with no arguments (adapters read their keys from settings themselves).
"""

from __future__ import annotations

import functools
import re

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from smartgov.kit.errors import InvalidInput, NotFound

from .providers.base import PaymentProvider

_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def configured() -> dict[str, str]:
    return dict(getattr(settings, "PAYMENT_PROVIDERS", {}) or {})


def codes() -> list[str]:
    return sorted(configured())


@functools.lru_cache(maxsize=64)
def _build(code: str, path: str) -> PaymentProvider:
    provider = import_string(path)()
    if not isinstance(provider, PaymentProvider):
        raise TypeError(f"{path} is not a PaymentProvider")
    return provider


def provider(code: str, *, field: str = "channel") -> PaymentProvider:
    """The adapter for ``code``; an unknown channel is the caller's mistake (422 naming ``field``)."""
    path = configured().get(code) if isinstance(code, str) and _CODE.match(code) else None
    if path is None:
        raise InvalidInput.for_field(
            field,
            _("Unknown payment channel %(code)s; use one of: %(codes)s")
            % {"code": code, "codes": ", ".join(codes()) or "-"},
            code="unknown_channel",
        )
    return _build(code, path)


def provider_for_notification(code: str) -> PaymentProvider:
    """For the public notification URL an unknown channel is simply not there (404)."""
    path = configured().get(code) if _CODE.match(code or "") else None
    if path is None:
        raise NotFound(_("No such payment channel."), code="unknown_channel")
    return _build(code, path)
