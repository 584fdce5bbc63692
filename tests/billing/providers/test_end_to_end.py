"""The adapters against the simulator over real HTTP: checkout, the payer's click, the signed
notification on our side, query, refund, statement download; and the simulator's chaos."""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from smartgov.billing.providers.base import CheckoutRequest, ForgedNotification, ProviderError

from .conftest import Receiver, adapter, simulator

CHANNELS = ["alipay", "wechat", "unionpay"]


def _open(url: str, data: bytes | None = None, timeout: float = 5):  # type: ignore[no-untyped-def]
    return urllib.request.urlopen(url, data=data, timeout=timeout)  # noqa: S310 (our own test servers)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def browser_pay(checkout_url: str, action: str = "pay") -> tuple[int, str]:
    """What a payer's browser does: open the hosted page, submit its form. (status, Location)."""
    with _open(checkout_url, timeout=5) as page:
        html = page.read().decode()
    form_action = re.search(r'<form method="post" action="([^"]+)"', html)
    assert form_action, html
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    fields = {k: v.replace("&amp;", "&") for k, v in fields.items()}
    fields["action"] = action
    target = urllib.parse.urljoin(checkout_url, form_action.group(1))
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(target, data=urllib.parse.urlencode(fields).encode(), timeout=5) as answer:
            return answer.status, answer.headers.get("Location", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location", "")


def order(receiver: Receiver, channel: str, amount_fen: int = 12345) -> CheckoutRequest:
    return CheckoutRequest(
        out_trade_no=f"SG-2026-{uuid.uuid4().hex[:10].upper()}",
        amount_fen=amount_fen,
        currency="CNY",
        subject="水费 2026年11月",
        notify_url=f"{receiver.url}/notify/{channel}",
        return_url=f"http://127.0.0.1:9/bills/return?ch={channel}",
        expires_at=datetime.now(UTC) + timedelta(hours=1),
    )


@pytest.mark.parametrize("profile", ["intl", "gm"])
@pytest.mark.parametrize("channel", CHANNELS)
def test_pay_notify_query_refund_statement(channel, profile, calm_sim, keys_dir: Path, receiver: Receiver):
    provider = adapter(calm_sim, keys_dir, channel, profile)
    receiver.providers[channel] = provider
    request = order(receiver, channel)

    checkout = provider.create_checkout(request)
    assert checkout.redirect_url.startswith(calm_sim.url)
    again = provider.create_checkout(request)  # a retried create is the same order, not a second one
    assert again.redirect_url.split("&redirect_url")[0] == checkout.redirect_url.split("&redirect_url")[0]
    pending = provider.query(request.out_trade_no)
    assert pending is not None and pending.status == "pending"

    status, location = browser_pay(checkout.redirect_url)
    assert (status, location) == (303, request.return_url)

    received = receiver.wait_for(lambda got: any(r.notification for r in got))
    assert all(not r.error for r in received)
    note = next(r.notification for r in received if r.notification)
    assert (note.out_trade_no, note.status, note.amount_fen, note.currency) == (
        request.out_trade_no,
        "succeeded",
        12345,
        "CNY",
    )
    assert note.paid_at is not None and abs(note.paid_at - datetime.now(UTC)) < timedelta(minutes=1)

    polled = provider.query(request.out_trade_no)
    assert polled is not None and polled.status == "succeeded" and polled.amount_fen == 12345
    assert polled.provider_reference == note.provider_reference
    assert provider.query(f"SG-UNKNOWN-{uuid.uuid4().hex[:8]}") is None

    refund_no = f"RF-{uuid.uuid4().hex[:10].upper()}"
    refunded = provider.refund(request.out_trade_no, refund_no, 2345, "CNY")
    assert (refunded.status, refunded.amount_fen) == ("succeeded", 2345)
    provider.refund(request.out_trade_no, refund_no, 2345, "CNY")  # a replay refunds nothing more
    with pytest.raises(ProviderError):
        provider.refund(request.out_trade_no, f"RF-{uuid.uuid4().hex[:10].upper()}", 10001, "CNY")  # > remaining

    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    rows = provider.parse_statement(provider.fetch_statement(today))
    payment = [r for r in rows if r.kind == "payment" and r.out_trade_no == request.out_trade_no]
    refunds = [r for r in rows if r.kind == "refund" and r.out_trade_no == request.out_trade_no]
    fee_rate = {"alipay": 0.006, "wechat": 0.006, "unionpay": 0.005}[channel]
    assert [(r.amount_fen, r.fee_fen, r.provider_reference) for r in payment] == [
        (12345, round(12345 * fee_rate), note.provider_reference)
    ]
    assert [(r.amount_fen, r.fee_fen, r.out_refund_no) for r in refunds] == [(2345, -round(2345 * fee_rate), refund_no)]
    assert all(r.settled_on == today for r in rows)


@pytest.mark.parametrize("channel", CHANNELS)
def test_cancelled_checkout_is_not_paid(channel, calm_sim, keys_dir: Path, receiver: Receiver):
    provider = adapter(calm_sim, keys_dir, channel)
    receiver.providers[channel] = provider
    request = order(receiver, channel)
    checkout = provider.create_checkout(request)
    status, _ = browser_pay(checkout.redirect_url, action="cancel")
    assert status == 303
    polled = provider.query(request.out_trade_no)
    assert polled is not None and polled.status in {"closed", "failed"}
    with pytest.raises(urllib.error.HTTPError) as gone:  # a closed order cannot be paid any more
        _open(checkout.redirect_url, timeout=5)
    assert gone.value.code == 410
    if channel == "alipay":  # Alipay tells the merchant a trade closed; the others leave it to the query
        closed = receiver.wait_for(lambda got: any(r.notification for r in got))
        assert [r.notification.status for r in closed if r.notification] == ["closed"]


def test_an_unanswered_notification_is_retried_with_backoff(calm_sim, keys_dir: Path, receiver: Receiver):
    provider = adapter(calm_sim, keys_dir, "alipay")
    receiver.providers["alipay"] = provider
    receiver.refuse_next = 2  # our server answers "fail" twice
    request = order(receiver, "alipay")
    browser_pay(provider.create_checkout(request).redirect_url)
    received = receiver.wait_for(lambda got: any(r.notification for r in got))
    assert len(received) == 3
    # The simulator records the attempt once our answer reaches it, a moment after we received it.
    (delivery,) = _settled(calm_sim.url, request.out_trade_no)
    assert delivery["attempts"] == 3 and delivery["delivered_at"]


def test_chaos_duplicates_and_reorders(tmp_path: Path, keys_dir: Path, receiver: Receiver):
    running = simulator(
        tmp_path, keys_dir, duplicate_probability=0.5, reorder_probability=0.5, reorder_delay=0.4, seed=7
    )
    try:
        provider = adapter(running, keys_dir, "wechat")
        receiver.providers["wechat"] = provider
        paid = []
        for _ in range(8):
            request = order(receiver, "wechat", amount_fen=100)
            browser_pay(provider.create_checkout(request).redirect_url)
            paid.append(request.out_trade_no)
        received = receiver.wait_for(
            lambda got: {r.notification.out_trade_no for r in got if r.notification} >= set(paid)
        )
        receiver.wait_for(lambda got: len(got) >= len(_deliveries(running.url)), timeout=3)
        arrived = [r.notification.out_trade_no for r in receiver.received if r.notification]
        assert all(not r.error for r in received)
        assert len(arrived) > len(set(arrived)), "some notification should have come twice"
        first_seen = list(dict.fromkeys(arrived))
        assert first_seen != paid, "some notification should have overtaken an earlier one"
        assert sorted(first_seen) == sorted(paid)
    finally:
        running.stop()


def test_bank_transfer_learned_from_the_statement(calm_sim, keys_dir: Path):
    provider = adapter(calm_sim, keys_dir, "bank")
    reference = f"SG-2026-{uuid.uuid4().hex[:6].upper()}"
    checkout = provider.create_checkout(
        CheckoutRequest(
            out_trade_no=reference,
            amount_fen=8800,
            currency="CNY",
            subject="罚款",
            notify_url="",
            return_url="",
            expires_at=datetime.now(UTC) + timedelta(days=7),
        )
    )
    assert checkout.redirect_url == ""
    steps = checkout.instructions
    assert (steps["amount"], steps["reference"]) == ("88.00", reference)
    form = {
        "payer_name": "张三",
        "payer_account": "6217000011112222",
        "payee_account": steps["payee_account"],
        "amount": steps["amount"],
        "note": f"缴费 {reference.lower()} 谢谢",
    }
    with _open(f"{calm_sim.url}/bank/transfer", data=urllib.parse.urlencode(form).encode(), timeout=5) as answer:
        assert answer.status == 200
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    rows = provider.parse_statement(provider.fetch_statement(today))
    assert [(r.kind, r.out_trade_no, r.amount_fen, r.fee_fen) for r in rows] == [("payment", reference, 8800, 0)]
    assert provider.query(reference) is None


def test_a_statement_signed_with_another_key_is_refused(calm_sim, keys_dir: Path, other_keys_dir: Path):
    from smartgov.billing.providers.registry import build, default_providers

    other = other_keys_dir
    conf = default_providers(calm_sim.url, keys_dir)["bank"]
    conf["provider_public_key_path"] = str(other / "bank" / "provider_rsa_public.pem")
    with pytest.raises(ForgedNotification):
        build("bank", conf).fetch_statement(datetime.now(ZoneInfo("Asia/Shanghai")).date())


def test_requests_signed_with_a_wrong_merchant_key_are_refused(calm_sim, keys_dir: Path, other_keys_dir: Path):
    from smartgov.billing.providers.registry import build, default_providers

    other = other_keys_dir
    for channel in CHANNELS:
        conf = default_providers(calm_sim.url, keys_dir)[channel]
        conf["private_key_path"] = str(other / channel / "merchant_rsa_private.pem")
        with pytest.raises(ProviderError):
            build(channel, conf).query("SG-2026-000001")


def _deliveries(url: str) -> list[dict]:
    import json

    with _open(f"{url}/_sim/deliveries", timeout=5) as answer:
        return json.loads(answer.read())


def _settled(url: str, out_trade_no: str, timeout: float = 5.0) -> list[dict]:
    """The order's deliveries once the simulator has recorded them delivered (or as they are when
    ``timeout`` runs out, for the caller's assertion to show)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        found = [d for d in _deliveries(url) if d["out_trade_no"] == out_trade_no]
        if (found and all(d["delivered_at"] for d in found)) or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_an_unpaid_order_expires_and_the_poll_says_so(calm_sim, keys_dir: Path, receiver: Receiver):
    import time

    requests = {}
    for channel in CHANNELS:
        provider = adapter(calm_sim, keys_dir, channel)
        request = order(receiver, channel)
        request = CheckoutRequest(**{**request.__dict__, "expires_at": datetime.now(UTC) + timedelta(seconds=1)})
        requests[channel] = (provider, request, provider.create_checkout(request))
    time.sleep(1.6)  # the providers' clocks work in whole seconds
    for channel, (provider, request, checkout) in requests.items():
        polled = provider.query(request.out_trade_no)
        assert polled is not None and polled.status in {"closed", "failed"}, channel
        with pytest.raises(urllib.error.HTTPError) as gone:
            _open(checkout.redirect_url)
        assert gone.value.code == 410


def test_the_checkout_page_escapes_what_the_merchant_sent(calm_sim, keys_dir: Path, receiver: Receiver):
    provider = adapter(calm_sim, keys_dir, "alipay")
    request = CheckoutRequest(**{**order(receiver, "alipay").__dict__, "subject": '<script>alert("x")</script>'})
    with _open(provider.create_checkout(request).redirect_url) as page:
        html = page.read().decode()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_alipay_tells_of_refunds_partial_then_full(calm_sim, keys_dir: Path, receiver: Receiver):
    provider = adapter(calm_sim, keys_dir, "alipay")
    receiver.providers["alipay"] = provider
    request = order(receiver, "alipay", amount_fen=1000)
    browser_pay(provider.create_checkout(request).redirect_url)
    receiver.wait_for(lambda got: len([r for r in got if r.notification]) == 1)
    provider.refund(request.out_trade_no, "RF-A", 400, "CNY")
    provider.refund(request.out_trade_no, "RF-B", 600, "CNY")
    got = receiver.wait_for(lambda got: len([r for r in got if r.notification]) == 3)
    seen = sorted((r.notification.refunded_fen, r.notification.status) for r in got if r.notification)
    assert seen == [(0, "succeeded"), (400, "succeeded"), (1000, "closed")]
