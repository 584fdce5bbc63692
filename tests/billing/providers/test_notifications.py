"""Notifications as the provider sends them (rendered by the simulator's provider side, signed with the
provider's keys) verify with our adapters, under RSA and SM2; any tampering raises ForgedNotification."""

from __future__ import annotations

import base64
import json
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from smartgov.billing.paysim.app import Simulator
from smartgov.billing.paysim.config import SimConfig
from smartgov.billing.providers.base import ForgedNotification, ProviderError
from smartgov.billing.providers.registry import build, default_providers

FORM = "application/x-www-form-urlencoded; charset=utf-8"


@pytest.fixture
def sim(tmp_path: Path, keys_dir: Path) -> Simulator:
    simulator = Simulator(SimConfig(data_dir=tmp_path / "sim", keys_dir=keys_dir, public_url="http://sim.test"))
    yield simulator
    simulator.store.close()


def notification(sim: Simulator, channel: str, algorithm: str, amount_fen: int = 12345) -> tuple[bytes, dict]:
    """A paid trade's notification exactly as the provider would send it now."""
    trade = sim.create_trade(
        channel,
        out_trade_no=f"SG-2026-{time.monotonic_ns() % 10**9:09d}",
        amount_fen=amount_fen,
        currency="CNY",
        subject="燃气费",
        notify_url="http://merchant.test/notify",
        return_url="",
        algorithm=algorithm,
        expires_at=time.time() + 3600,
    )
    trade = sim.pay(trade)
    payload = json.loads(sim.store.one("SELECT payload FROM deliveries WHERE trade_id = ?", trade["id"])["payload"])
    return sim.channels[channel].render_notification(trade, payload)


def adapter(keys_dir: Path, channel: str, profile: str, **override: str):
    conf = default_providers("http://sim.test", keys_dir)[channel]
    conf.update(override)
    return build(channel, conf, profile)


PROFILES = [("intl", "RSA"), ("gm", "SM2")]


@pytest.mark.parametrize(("profile", "algorithm"), PROFILES)
@pytest.mark.parametrize("channel", ["alipay", "unionpay"])
def test_form_notifications_round_trip_and_every_tampered_field_is_forged(sim, keys_dir, channel, profile, algorithm):
    body, headers = notification(sim, channel, algorithm)
    provider = adapter(keys_dir, channel, profile)
    verified = provider.verify_notification(body, headers["Content-Type"], headers)
    assert (verified.status, verified.amount_fen, verified.currency) == ("succeeded", 12345, "CNY")
    assert verified.paid_at is not None and abs(verified.paid_at - datetime.now(UTC)) < timedelta(minutes=1)

    params = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
    for name in params:
        tampered = dict(params)
        tampered[name] = (
            params[name] + "9"
            if name not in {"sign", "signature"}
            else _flip_last_byte(params[name])
        )
        with pytest.raises(ForgedNotification):
            provider.verify_notification(urllib.parse.urlencode(tampered).encode(), FORM, {})
    dropped = {k: v for k, v in params.items() if k not in {"sign", "signature"}}
    with pytest.raises(ForgedNotification):
        provider.verify_notification(urllib.parse.urlencode(dropped).encode(), FORM, {})
    added = {**params, "trade_status" if channel == "alipay" else "respMsg": "x"} | {"extra_field": "1"}
    with pytest.raises(ForgedNotification):
        provider.verify_notification(urllib.parse.urlencode(added).encode(), FORM, {})
    key = "out_trade_no" if channel == "alipay" else "orderId"
    twice = body + b"&" + urllib.parse.urlencode({key: "SG-X"}).encode()
    with pytest.raises(ForgedNotification):
        provider.verify_notification(twice, FORM, {})
    with pytest.raises(ForgedNotification):
        provider.verify_notification(body, "application/json", {})


@pytest.mark.parametrize(("profile", "algorithm"), PROFILES)
@pytest.mark.parametrize("channel", ["alipay", "unionpay", "wechat"])
def test_signed_with_another_provider_key_is_forged(sim, keys_dir, other_keys_dir, channel, profile, algorithm):
    body, headers = notification(sim, channel, algorithm)
    other = other_keys_dir
    key = "sm2_provider_public_key_path" if algorithm == "SM2" else "provider_public_key_path"
    name = "provider_sm2_public.hex" if algorithm == "SM2" else "provider_rsa_public.pem"
    override = {key: str(other / channel / name)}
    if channel == "wechat":
        override["provider_serial_no"] = headers["Wechatpay-Serial"]  # same serial, other key: still forged
    if channel == "unionpay":
        override["provider_cert_id"] = urllib.parse.parse_qs(body.decode())["certId"][0]
    with pytest.raises(ForgedNotification):
        adapter(keys_dir, channel, profile, **override).verify_notification(body, headers["Content-Type"], headers)


def test_a_notification_signed_under_the_other_algorithm_is_forged(sim, keys_dir):
    for channel in ("alipay", "unionpay", "wechat"):
        body, headers = notification(sim, channel, "RSA")
        with pytest.raises(ForgedNotification):
            adapter(keys_dir, channel, "gm").verify_notification(body, headers["Content-Type"], headers)


@pytest.mark.parametrize(("profile", "algorithm"), PROFILES)
def test_wechat_round_trip_and_tampering(sim, keys_dir, profile, algorithm):
    body, headers = notification(sim, "wechat", algorithm, amount_fen=1)
    provider = adapter(keys_dir, "wechat", profile)
    verified = provider.verify_notification(body, headers["Content-Type"], headers)
    assert (verified.status, verified.amount_fen, verified.currency) == ("succeeded", 1, "CNY")

    for name in ("Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Signature", "Wechatpay-Serial"):
        with pytest.raises(ForgedNotification):
            value = headers[name]
            changed = value[:-1] + ("1" if value[-1] != "1" else "2")
            provider.verify_notification(body, "application/json", {**headers, name: changed})
        with pytest.raises(ForgedNotification):
            provider.verify_notification(body, "application/json", {k: v for k, v in headers.items() if k != name})
    with pytest.raises(ForgedNotification):
        provider.verify_notification(body.replace(b'"summary":"', b'"summary":"x'), "application/json", headers)

    # Correctly signed, but the resource was encrypted under another APIv3 key or altered: forged.
    envelope = json.loads(body)
    resource = envelope["resource"]
    foreign = AESGCM(b"k" * 32).encrypt(resource["nonce"].encode(), b'{"trade_state":"SUCCESS"}', b"transaction")
    for changed in (
        {"ciphertext": base64.b64encode(foreign).decode()},
        {"associated_data": "refund"},
        {"nonce": "AAAAAAAAAAAA"},
    ):
        forged_body = json.dumps({**envelope, "resource": {**resource, **changed}}).encode()
        signer = sim.channels["wechat"]
        with pytest.raises(ForgedNotification):
            provider.verify_notification(forged_body, "application/json", signer._signed(forged_body, algorithm))

    # A genuine notification replayed later than the allowed skew is refused.
    later = datetime.now(UTC) + timedelta(minutes=6)
    from smartgov.kit import clock

    with clock.frozen_at(later), pytest.raises(ForgedNotification, match="replay"):
        provider.verify_notification(body, "application/json", headers)


def test_wechat_notification_for_another_merchant_is_forged(sim, keys_dir):
    # A merchant we are not (sharing our keys, so only the merchant id tells).
    sim.config.merchants["wechat"] = [
        {"app_id": "wx0000000000000001", "merchant_id": "1900000999", "keys_folder": "wechat"}
    ]
    body, headers = notification(sim, "wechat", "RSA")
    with pytest.raises(ForgedNotification, match="another merchant"):
        adapter(keys_dir, "wechat", "intl").verify_notification(body, "application/json", headers)


def test_alipay_notification_for_another_app_is_forged(sim, keys_dir):
    sim.config.merchants["alipay"] = [{"app_id": "2021000000009999", "merchant_id": "2088000000000001"}]
    body, headers = notification(sim, "alipay", "RSA")
    with pytest.raises(ForgedNotification, match="app_id"):
        adapter(keys_dir, "alipay", "intl").verify_notification(body, FORM, headers)


def test_banks_send_no_notifications(keys_dir):
    with pytest.raises(ForgedNotification):
        adapter(keys_dir, "bank", "intl").verify_notification(b"amount=1", FORM, {})


def test_acknowledgements_are_what_each_provider_expects(keys_dir):
    alipay, wechat, unionpay = (adapter(keys_dir, c, "intl") for c in ("alipay", "wechat", "unionpay"))
    assert alipay.acknowledge(True).body == b"success" and alipay.acknowledge(False).body != b"success"
    assert json.loads(wechat.acknowledge(True).body)["code"] == "SUCCESS"
    assert wechat.acknowledge(True).status == 200 and wechat.acknowledge(False).status >= 400
    assert (unionpay.acknowledge(True).status, unionpay.acknowledge(True).body) == (200, b"ok")
    assert unionpay.acknowledge(False).status != 200


def test_non_cny_checkouts_are_refused_before_any_call(keys_dir):
    from smartgov.billing.providers.base import CheckoutRequest

    request = CheckoutRequest(
        out_trade_no="SG-2026-000001",
        amount_fen=100,
        currency="USD",
        subject="x",
        notify_url="http://merchant.test/n",
        return_url="http://merchant.test/r",
        expires_at=datetime.now(UTC) + timedelta(hours=1),
    )
    for channel in ("alipay", "unionpay", "bank"):
        with pytest.raises(ProviderError, match="CNY"):
            adapter(keys_dir, channel, "intl").create_checkout(request)


def _flip_last_byte(signature: str) -> str:
    """A signature with its last byte changed: always another value (setting it to 0 left one
    signature in 256 as it was, and the test failed as if a forgery had passed)."""
    raw = base64.b64decode(signature)
    return base64.b64encode(raw[:-1] + bytes([raw[-1] ^ 0x01])).decode()
