"""The simulator's settings: where it keeps things, who its merchants are, and its chaos knobs."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from smartgov.billing.providers.registry import DEMO_IDS, DEMO_TENANT_MERCHANTS, merchant_keys_folder

# Each channel's fee on payments (returned pro rata on refunds), as a fraction; the bank charges nothing.
DEFAULT_FEE_RATES = {"alipay": "0.006", "wechat": "0.006", "unionpay": "0.005", "bank": "0"}


def demo_merchants() -> dict[str, list[dict[str, str]]]:
    """Per channel, the merchants the simulator knows: the default demo merchant first, then each demo
    tenant's own. A merchant's ``keys_folder`` (under the keys folder) holds its key halves."""
    out: dict[str, list[dict[str, str]]] = {}
    for channel, ids in DEMO_IDS.items():
        every = [ids] + [merchant[channel] for merchant in DEMO_TENANT_MERCHANTS.values()]
        out[channel] = [{**m, "keys_folder": merchant_keys_folder(channel, m["merchant_id"])} for m in every]
    return out


@dataclass
class SimConfig:
    data_dir: Path  # state (paysim.sqlite3), keys/ and statements/ live here
    public_url: str = ""  # how payers and merchants reach us; default http://host:port
    keys_dir: Path | None = None  # default data_dir/keys
    # Chaos, reproducible with the seed:
    duplicate_probability: float = 0.0  # a notification is sent twice
    reorder_probability: float = 0.0  # a notification is held back by reorder_delay seconds
    reorder_delay: float = 2.0
    seed: int | None = None
    # Retries of an unanswered notification: retry_base * retry_factor**n seconds, at most retry_max_attempts.
    retry_base: float = 15.0
    retry_factor: float = 2.0
    retry_max_attempts: int = 8
    notify_timeout: float = 5.0
    fee_rates: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_FEE_RATES))
    # Per channel, its merchants (ids, bank account, keys_folder); the first is the default one.
    merchants: dict[str, list[dict[str, str]]] = field(default_factory=demo_merchants)

    @property
    def keys(self) -> Path:
        return self.keys_dir or self.data_dir / "keys"

    def key_folders(self) -> dict[str, list[str]]:
        return {channel: [m["keys_folder"] for m in every] for channel, every in self.merchants.items()}

    @classmethod
    def from_env(cls, **overrides: object) -> SimConfig:
        """From SMARTGOV_PAYSIM_* variables (data dir: SMARTGOV_DATA_DIR/paysim), then ``overrides``."""
        env = os.environ
        base = Path(env.get("SMARTGOV_DATA_DIR", "var")).resolve() / "paysim"
        values: dict[str, object] = {
            "data_dir": Path(env["SMARTGOV_PAYSIM_DATA_DIR"]) if env.get("SMARTGOV_PAYSIM_DATA_DIR") else base,
            "public_url": env.get("SMARTGOV_PAYSIM_PUBLIC_URL", ""),
            "duplicate_probability": float(env.get("SMARTGOV_PAYSIM_DUPLICATE_PROBABILITY", "0")),
            "reorder_probability": float(env.get("SMARTGOV_PAYSIM_REORDER_PROBABILITY", "0")),
            "reorder_delay": float(env.get("SMARTGOV_PAYSIM_REORDER_DELAY", "2")),
            "seed": int(env["SMARTGOV_PAYSIM_SEED"]) if env.get("SMARTGOV_PAYSIM_SEED") else None,
            "retry_base": float(env.get("SMARTGOV_PAYSIM_RETRY_BASE", "15")),
            "retry_max_attempts": int(env.get("SMARTGOV_PAYSIM_RETRY_MAX_ATTEMPTS", "8")),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        config = cls(**values)  # type: ignore[arg-type]
        config.validate()
        return config

    def validate(self) -> None:
        for name in ("duplicate_probability", "reorder_probability"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.reorder_delay < 0 or self.retry_base < 0 or self.retry_factor < 1 or self.retry_max_attempts < 1:
            raise ValueError("delays must be >= 0, retry_factor >= 1, retry_max_attempts >= 1")
