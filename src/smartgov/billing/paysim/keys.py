"""Demo key pairs for both sides of every channel, created once under a keys folder.

Layout (one folder per channel)::

    <keys>/<channel>/merchant_rsa_private.pem   ours: signs requests   (the adapters read this)
    <keys>/<channel>/merchant_rsa_public.pem    the provider verifies our requests with it
    <keys>/<channel>/provider_rsa_private.pem   the provider signs answers and notifications
    <keys>/<channel>/provider_rsa_public.pem    we verify with it      (the adapters read this)
    ... the same four as merchant_sm2_*.hex / provider_sm2_*.hex for the gm profile
    <keys>/wechat/apiv3.key                     the merchant's APIv3 key (notification encryption)
    <keys>/<channel>/<merchant id>/merchant_*   the same merchant halves (and apiv3.key) of every other
                                                merchant: each demo tenant's own (providers.registry)

Files are written under a lock and atomically, never replacing a complete pair, so processes starting
together agree.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import string
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from smartgov.billing.providers._crypto import generate_rsa_keypair, generate_sm2_keypair
from smartgov.billing.providers.registry import DEMO_IDS, DEMO_TENANT_MERCHANTS, merchant_keys_folder

CHANNELS = ("alipay", "wechat", "unionpay", "bank")


def demo_merchant_folders() -> dict[str, list[str]]:
    """Per channel, the key folders of the demo merchants: the default one and each demo tenant's."""
    return {
        channel: [
            merchant_keys_folder(channel, merchant_id)
            for merchant_id in [DEMO_IDS[channel]["merchant_id"]]
            + [ids[channel]["merchant_id"] for ids in DEMO_TENANT_MERCHANTS.values()]
        ]
        for channel in CHANNELS
    }


def _write(path: Path, content: str, private: bool) -> None:
    """Write atomically (a reader never sees half a key); callers hold the folder's lock."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w") as handle:
        handle.write(content)
    os.chmod(tmp, 0o600 if private else 0o644)
    os.replace(tmp, path)


def ensure_keys(keys_dir: Path | str, merchants: Mapping[str, Iterable[str]] | None = None) -> Path:
    """Create whatever demo key is missing under ``keys_dir``: the provider's pairs of every channel
    and the pairs of every merchant (``merchants``: per channel, their key folders; default: the demo
    merchants). Returns the folder."""
    root = Path(keys_dir)
    root.mkdir(parents=True, exist_ok=True)
    # One writer at a time, so a pair's two halves always come from the same generation.
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _ensure(root, demo_merchant_folders() if merchants is None else merchants)
    return root


def _pair(folder: Path, side: str) -> None:
    # The private half is written last: its presence means the pair is complete.
    if not (folder / f"{side}_rsa_private.pem").exists():
        private, public = generate_rsa_keypair()
        _write(folder / f"{side}_rsa_public.pem", public, private=False)
        _write(folder / f"{side}_rsa_private.pem", private, private=True)
    if not (folder / f"{side}_sm2_private.hex").exists():
        private, public = generate_sm2_keypair()
        _write(folder / f"{side}_sm2_public.hex", public + "\n", private=False)
        _write(folder / f"{side}_sm2_private.hex", private + "\n", private=True)


def _ensure(root: Path, merchants: Mapping[str, Iterable[str]]) -> None:
    alphabet = string.ascii_letters + string.digits
    for channel in CHANNELS:
        _pair(root / channel, "provider")
        for folder in merchants.get(channel, [channel]):
            _pair(root / folder, "merchant")
            if channel == "wechat" and not (root / folder / "apiv3.key").exists():
                _write(root / folder / "apiv3.key", "".join(secrets.choice(alphabet) for _ in range(32)) + "\n", True)


def read(keys_dir: Path | str, channel: str, name: str) -> str:
    return (Path(keys_dir) / channel / name).read_text()
