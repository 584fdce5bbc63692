"""Demo key pairs for both sides of every channel, created once under a keys folder.

Layout (one folder per channel)::

    <keys>/<channel>/merchant_rsa_private.pem   ours: signs requests   (the adapters read this)
    <keys>/<channel>/merchant_rsa_public.pem    the provider verifies our requests with it
    <keys>/<channel>/provider_rsa_private.pem   the provider signs answers and notifications
    <keys>/<channel>/provider_rsa_public.pem    we verify with it      (the adapters read this)
    ... the same four as merchant_sm2_*.hex / provider_sm2_*.hex for the gm profile
    <keys>/wechat/apiv3.key                     the shared APIv3 key (notification encryption)

Files are written under a lock and atomically, never replacing a complete pair, so processes starting
together agree.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import string
import tempfile
from pathlib import Path

from smartgov.billing.providers._crypto import generate_rsa_keypair, generate_sm2_keypair

CHANNELS = ("alipay", "wechat", "unionpay", "bank")


def _write(path: Path, content: str, private: bool) -> None:
    """Write atomically (a reader never sees half a key); callers hold the folder's lock."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w") as handle:
        handle.write(content)
    os.chmod(tmp, 0o600 if private else 0o644)
    os.replace(tmp, path)


def ensure_keys(keys_dir: Path | str) -> Path:
    """Create whatever demo key is missing under ``keys_dir``; return the folder."""
    root = Path(keys_dir)
    root.mkdir(parents=True, exist_ok=True)
    # One writer at a time, so a pair's two halves always come from the same generation.
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _ensure(root)
    return root


def _ensure(root: Path) -> None:
    for channel in CHANNELS:
        folder = root / channel
        for side in ("merchant", "provider"):
            # The private half is written last: its presence means the pair is complete.
            if not (folder / f"{side}_rsa_private.pem").exists():
                private, public = generate_rsa_keypair()
                _write(folder / f"{side}_rsa_public.pem", public, private=False)
                _write(folder / f"{side}_rsa_private.pem", private, private=True)
            if not (folder / f"{side}_sm2_private.hex").exists():
                private, public = generate_sm2_keypair()
                _write(folder / f"{side}_sm2_public.hex", public + "\n", private=False)
                _write(folder / f"{side}_sm2_private.hex", private + "\n", private=True)
    alphabet = string.ascii_letters + string.digits
    if not (root / "wechat" / "apiv3.key").exists():
        _write(root / "wechat" / "apiv3.key", "".join(secrets.choice(alphabet) for _ in range(32)) + "\n", True)


def read(keys_dir: Path | str, channel: str, name: str) -> str:
    return (Path(keys_dir) / channel / name).read_text()
