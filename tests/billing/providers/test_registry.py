"""Channels from settings: the algorithm follows the tenant's crypto profile, configuration mistakes
are clear ProviderErrors, and without PAYMENT_PROVIDERS everything points at the simulator."""

from __future__ import annotations

import pytest

from smartgov.billing.providers.alipay import AlipayProvider
from smartgov.billing.providers.bank import BankTransferProvider
from smartgov.billing.providers.base import ProviderError
from smartgov.billing.providers.registry import channels, default_providers, get_provider
from smartgov.billing.providers.unionpay import UnionPayProvider
from smartgov.billing.providers.wechat import WeChatPayProvider


@pytest.fixture
def configured(settings, keys_dir):
    settings.PAYMENT_PROVIDERS = default_providers("http://127.0.0.1:8010", keys_dir)
    return settings


def test_every_channel_builds_with_the_algorithm_of_the_profile(configured):
    assert channels() == ["alipay", "wechat", "unionpay", "bank"]
    kinds = {
        "alipay": AlipayProvider,
        "wechat": WeChatPayProvider,
        "unionpay": UnionPayProvider,
        "bank": BankTransferProvider,
    }
    for code, kind in kinds.items():
        intl, gm = get_provider(code), get_provider(code, crypto_profile="gm")
        assert isinstance(intl, kind) and intl.code == code
        assert (intl.signer.algorithm, gm.signer.algorithm) == ("RSA", "SM2")  # type: ignore[attr-defined]
    assert get_provider("alipay").sign_type == "RSA2"  # type: ignore[attr-defined]
    assert get_provider("alipay", crypto_profile="gm").sign_type == "SM2"  # type: ignore[attr-defined]


def test_the_algorithm_can_be_forced(configured):
    configured.PAYMENT_PROVIDERS["unionpay"]["sign_algorithm"] = "SM2"
    assert get_provider("unionpay").sign_method == "02"  # type: ignore[attr-defined]
    configured.PAYMENT_PROVIDERS["unionpay"]["sign_algorithm"] = "DSA"
    with pytest.raises(ProviderError, match="sign_algorithm"):
        get_provider("unionpay")


def test_keys_may_be_inline(configured, keys_dir):
    conf = configured.PAYMENT_PROVIDERS["alipay"]
    conf["private_key"] = (keys_dir / "alipay" / "merchant_rsa_private.pem").read_text()
    conf["private_key_path"] = "/nonexistent"
    assert get_provider("alipay").signer.algorithm == "RSA"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"private_key_path": "/nonexistent/key.pem"}, "cannot read private_key_path"),
        ({"private_key_path": None}, "private_key \\(or private_key_path\\) is not configured"),
        ({"class": "smartgov.billing.providers.nothing.Nope"}, "no adapter class"),
        ({"class": "smartgov.kit.money.parse_amount"}, "not a PaymentProvider"),
        ({"gateway_url": None}, "gateway_url is missing"),
    ],
)
def test_configuration_mistakes_are_named(configured, change, message):
    conf = configured.PAYMENT_PROVIDERS["alipay"]
    for key, value in change.items():
        if value is None:
            conf.pop(key)
        else:
            conf[key] = value
    with pytest.raises(ProviderError, match=message):
        get_provider("alipay")


def test_wechat_needs_a_32_character_api_v3_key(configured, tmp_path):
    short = tmp_path / "apiv3.key"
    short.write_text("too-short")
    configured.PAYMENT_PROVIDERS["wechat"]["api_v3_key_path"] = str(short)
    with pytest.raises(ProviderError, match="32 characters"):
        get_provider("wechat")


def test_unknown_channel(configured):
    with pytest.raises(ProviderError, match="no payment channel 'paypal'"):
        get_provider("paypal")


def test_without_the_setting_every_channel_points_at_the_simulator(settings):
    settings.PAYMENT_PROVIDERS = None
    from smartgov.billing.providers.registry import configured as current

    conf = current()
    assert conf["alipay"]["gateway_url"] == "http://127.0.0.1:8010/alipay/gateway.do"
    assert conf["wechat"]["api_v3_key_path"].startswith(str(settings.DATA_DIR))
