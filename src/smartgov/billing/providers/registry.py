"""Which channels exist and how each is configured: ``settings.PAYMENT_PROVIDERS``.

``PAYMENT_PROVIDERS`` maps a channel code (it names the channel in URLs, ledger accounts and
statements) to a dict:

=========================== ==========================================================================
``class``                   dotted path of the adapter (``smartgov.billing.providers.alipay.AlipayProvider``)
``gateway_url``             the provider's API base (Alipay: the full ``gateway.do`` URL)
``app_id``                  Alipay app id / WeChat appid
``merchant_id``             WeChat mchid / UnionPay merId / Alipay seller id / bank customer number
``sign_algorithm``          ``auto`` (default: SM2 for a tenant on the ``gm`` crypto profile, RSA otherwise),
                            ``RSA`` or ``SM2`` to force one
``private_key[_path]``      our RSA private key, PEM (PKCS#8), inline or a file
``provider_public_key[_path]`` the provider's RSA public key, PEM
``sm2_private_key[_path]``  our SM2 private key, 64 hex digits
``sm2_provider_public_key[_path]`` the provider's SM2 public key, ``04‖x‖y`` hex
``api_v3_key[_path]``       WeChat: the 32-character APIv3 key (decrypts notification resources)
``merchant_serial_no``      WeChat: our certificate serial; UnionPay: ``merchant_cert_id``
``provider_serial_no``      WeChat: the platform certificate serial (default: derived from its public key);
                            UnionPay: ``provider_cert_id``
``account_name``, ``account_no``, ``bank_name``, ``reference_pattern``  bank transfer instructions
``timeout``                 seconds per HTTP call (default 10)
``max_clock_skew_seconds``  WeChat replay guard (default 300; 0 turns it off)
``tenants``                 per tenant slug, what differs for that tenant's own merchant account at the
                            channel (ids, keys, bank account): merged over the entries above. A tenant
                            without one collects into the channel's top-level merchant
=========================== ==========================================================================

Without the setting, every channel points at the payment-provider simulator (``SMARTGOV_PAYSIM_URL``,
default http://127.0.0.1:8010) with the demo keys under ``SMARTGOV_DATA_DIR/paysim/keys``; each demo
tenant (``DEMO_TENANT_MERCHANTS``) has its own merchant there, other tenants share the default one.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from smartgov.billing.providers._crypto import Algorithm
from smartgov.billing.providers.base import PaymentProvider, ProviderError

DEFAULT_PAYSIM_URL = "http://127.0.0.1:8010"

# The default demo merchant of each channel; the simulator registers the same ones (see paysim/keys.py).
DEMO_IDS = {
    "alipay": {"app_id": "2021000000000001", "merchant_id": "2088000000000001"},
    "wechat": {"app_id": "wx0000000000000001", "merchant_id": "1900000001"},
    "unionpay": {"merchant_id": "777290058000001"},
    "bank": {
        "merchant_id": "SG-CUST-0001",
        "account_name": "智慧政务演示财政专户",
        "account_no": "6222000000000000001",
        "bank_name": "演示银行",
    },
}




def _demo_merchant(n: int, name: str) -> dict[str, dict[str, str]]:
    return {
        "alipay": {"app_id": f"20210000000000{n:02d}", "merchant_id": f"20880000000000{n:02d}"},
        "wechat": {"app_id": f"wx00000000000000{n:02d}", "merchant_id": f"19000000{n:02d}"},
        "unionpay": {"merchant_id": f"7772900580000{n:02d}"},
        "bank": {
            "merchant_id": f"SG-CUST-{n:04d}",
            "account_name": f"{name}财政专户（演示）",
            "account_no": f"62220000000000000{n:02d}",
            "bank_name": "演示银行",
        },
    }


# Each demo tenant (smartgov.demo) collects into a merchant account of its own at every channel, so a
# channel's statement lists one tenant's money only; the simulator registers these merchants too.
DEMO_TENANT_MERCHANTS: dict[str, dict[str, dict[str, str]]] = {
    slug: _demo_merchant(n, name)
    for n, (slug, name) in enumerate(
        [("zhejiang", "浙江省"), ("lishui", "丽水市"), ("dalian", "大连市"), ("cma", "中国气象局")], start=2
    )
}


def merchant_keys_folder(channel: str, merchant_id: str) -> str:
    """Where a demo merchant's key pairs live under the keys folder: the channel's folder for its
    default merchant, ``<channel>/<merchant id>`` for the others."""
    return channel if merchant_id == DEMO_IDS[channel]["merchant_id"] else f"{channel}/{merchant_id}"


def default_providers(base_url: str, keys_dir: Path | str) -> dict[str, dict[str, Any]]:
    """Every channel pointed at a simulator at ``base_url`` with the demo keys in ``keys_dir``: the
    default merchant for any tenant, and each demo tenant's own merchant (``tenants``)."""
    base_url, keys = base_url.rstrip("/"), Path(keys_dir)

    def keyfiles(channel: str, merchant_id: str | None = None) -> dict[str, str]:
        provider = keys / channel  # the provider's own keys: one pair per channel
        ours = keys / merchant_keys_folder(channel, merchant_id or DEMO_IDS[channel]["merchant_id"])
        files = {
            "private_key_path": str(ours / "merchant_rsa_private.pem"),
            "provider_public_key_path": str(provider / "provider_rsa_public.pem"),
            "sm2_private_key_path": str(ours / "merchant_sm2_private.hex"),
            "sm2_provider_public_key_path": str(provider / "provider_sm2_public.hex"),
        }
        if channel == "wechat":
            files["api_v3_key_path"] = str(ours / "apiv3.key")
        return files

    def tenants(channel: str) -> dict[str, dict[str, str]]:
        return {
            slug: {**ids[channel], **keyfiles(channel, ids[channel]["merchant_id"])}
            for slug, ids in DEMO_TENANT_MERCHANTS.items()
        }

    return {
        "alipay": {
            "class": "smartgov.billing.providers.alipay.AlipayProvider",
            "gateway_url": f"{base_url}/alipay/gateway.do",
            **DEMO_IDS["alipay"],
            **keyfiles("alipay"),
            "tenants": tenants("alipay"),
        },
        "wechat": {
            "class": "smartgov.billing.providers.wechat.WeChatPayProvider",
            "gateway_url": f"{base_url}/wechat",
            **DEMO_IDS["wechat"],
            **keyfiles("wechat"),
            "merchant_serial_no": "SMARTGOV-DEMO-MERCHANT",
            "tenants": tenants("wechat"),
        },
        "unionpay": {
            "class": "smartgov.billing.providers.unionpay.UnionPayProvider",
            "gateway_url": f"{base_url}/unionpay",
            **DEMO_IDS["unionpay"],
            **keyfiles("unionpay"),
            "merchant_cert_id": "SMARTGOV-DEMO-MERCHANT",
            "tenants": tenants("unionpay"),
        },
        "bank": {
            "class": "smartgov.billing.providers.bank.BankTransferProvider",
            "gateway_url": f"{base_url}/bank",
            **DEMO_IDS["bank"],
            **keyfiles("bank"),
            "tenants": tenants("bank"),
        },
    }


def configured() -> dict[str, dict[str, Any]]:
    from django.conf import settings

    providers = getattr(settings, "PAYMENT_PROVIDERS", None)
    if providers:
        return cast(dict[str, dict[str, Any]], providers)
    data_dir = Path(getattr(settings, "DATA_DIR", "var"))
    return default_providers(getattr(settings, "PAYSIM_URL", DEFAULT_PAYSIM_URL), data_dir / "paysim" / "keys")


def for_tenant(conf: dict[str, Any], tenant_slug: str | None) -> dict[str, Any]:
    """A channel's configuration for one tenant: its own merchant's entries over the channel's."""
    own = (conf.get("tenants") or {}).get(tenant_slug or "") or {}
    return {**{k: v for k, v in conf.items() if k != "tenants"}, **own}


def channels() -> list[str]:
    """The channel codes configured, in settings order."""
    return list(configured())


def algorithm_for(conf: dict[str, Any], crypto_profile: str) -> Algorithm:
    chosen = str(conf.get("sign_algorithm", "auto")).upper()
    if chosen == "AUTO":
        return "SM2" if crypto_profile == "gm" else "RSA"
    if chosen not in {"RSA", "SM2"}:
        raise ProviderError(f"sign_algorithm {chosen!r} is neither auto, RSA nor SM2")
    return cast(Algorithm, chosen)


def build(code: str, conf: dict[str, Any], crypto_profile: str = "intl") -> PaymentProvider:
    """An adapter from an explicit configuration (what ``get_provider`` does with the settings)."""
    module_name, _, class_name = str(conf.get("class", "")).rpartition(".")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ProviderError(f"payment channel {code}: no adapter class {conf.get('class')!r}") from exc
    if not (isinstance(cls, type) and issubclass(cls, PaymentProvider)):
        raise ProviderError(f"payment channel {code}: {conf.get('class')} is not a PaymentProvider")
    factory: Callable[[str, dict[str, Any], Algorithm], PaymentProvider] = cls  # every adapter's constructor
    try:
        return factory(code, conf, algorithm_for(conf, crypto_profile))
    except KeyError as exc:
        raise ProviderError(f"payment channel {code}: setting {exc.args[0]} is missing") from exc


def get_provider(code: str, *, crypto_profile: str = "intl", tenant: str | None = None) -> PaymentProvider:
    """The adapter of channel ``code`` for a tenant on ``crypto_profile`` (``tenant.crypto_profile``),
    speaking as that tenant's merchant (``tenant``: its slug) when it has one of its own."""
    providers = configured()
    if code not in providers:
        raise ProviderError(f"no payment channel {code!r} is configured")
    return build(code, for_tenant(providers[code], tenant), crypto_profile)
