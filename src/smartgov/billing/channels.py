"""Finding the adapter of a payment channel, for a tenant.

The channels and their keys come from ``settings.PAYMENT_PROVIDERS`` through the providers'
registry (``providers/registry.py``: without the setting every channel points at the payment-provider
simulator). The tenant matters: a tenant on the ``gm`` crypto profile gets SM2 signatures, and a
tenant with a merchant account of its own at the channel (the configuration's ``tenants``) speaks as
that merchant, so the channel's statements of that account list only its money."""

from __future__ import annotations

import json
import threading
from typing import Any

from django.utils.translation import gettext as _

from smartgov.kit.errors import DomainError, InvalidInput, NotFound
from smartgov.tenancy.models import Tenant

from .providers import registry
from .providers.base import PaymentProvider, ProviderError

_cache: dict[tuple[str, str, str], PaymentProvider] = {}
_lock = threading.Lock()


class ProviderUnavailable(DomainError):
    status = 502
    code = "provider_unavailable"


def codes() -> list[str]:
    return registry.channels()


def _get(code: str, tenant: Tenant) -> PaymentProvider:
    conf = registry.for_tenant(registry.configured()[code], tenant.slug)
    # Adapters are built once per configuration (they load keys); a changed setting builds anew.
    key = (code, tenant.crypto_profile, json.dumps(conf, sort_keys=True, default=str))
    with _lock:
        found = _cache.get(key)
    if found is None:
        try:
            found = registry.build(code, conf, tenant.crypto_profile)
        except ProviderError as exc:
            raise ProviderUnavailable(_("The payment channel is not available: %(e)s") % {"e": exc}) from exc
        with _lock:
            _cache[key] = found
    return found


def provider(code: Any, tenant: Tenant, *, field: str = "channel") -> PaymentProvider:
    """The adapter for ``code``; an unknown channel is the caller's mistake (422 naming ``field``)."""
    if not isinstance(code, str) or code not in registry.configured():
        raise InvalidInput.for_field(
            field,
            _("Unknown payment channel %(code)s; use one of: %(codes)s") % {"code": code, "codes": ", ".join(codes())},
            code="unknown_channel",
        )
    return _get(code, tenant)


def provider_for_notification(code: str, tenant: Tenant) -> PaymentProvider:
    """For the public notification URL an unknown channel is simply not there (404)."""
    if code not in registry.configured():
        raise NotFound(_("No such payment channel."), code="unknown_channel")
    return _get(code, tenant)
