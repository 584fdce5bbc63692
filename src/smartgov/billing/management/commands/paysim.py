"""``smartgov paysim``: run the payment-provider simulator as its own process."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from smartgov.billing.paysim.config import SimConfig
from smartgov.billing.paysim.keys import ensure_keys
from smartgov.billing.paysim.server import serve_forever


class Command(BaseCommand):
    help = "Run the payment-provider simulator (Alipay, WeChat Pay, UnionPay and bank styles)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8010)
        parser.add_argument("--public-url", help="the URL payers and our server reach it by (default http://host:port)")
        parser.add_argument("--data-dir", help="default SMARTGOV_DATA_DIR/paysim")
        parser.add_argument("--duplicate-probability", type=float, help="chance a notification is sent twice")
        parser.add_argument("--reorder-probability", type=float, help="chance a notification is held back")
        parser.add_argument("--reorder-delay", type=float, help="seconds a held-back notification waits")
        parser.add_argument("--seed", type=int, help="seed of the chaos, for reproducible runs")
        parser.add_argument("--retry-base", type=float, help="first retry after this many seconds, doubling")
        parser.add_argument("--keys-only", action="store_true", help="create the demo keys and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        # --data-dir, else SMARTGOV_PAYSIM_DATA_DIR (read by from_env), else the platform's data dir.
        data_dir: Path | None = Path(options["data_dir"]) if options["data_dir"] else None
        if data_dir is None and not os.environ.get("SMARTGOV_PAYSIM_DATA_DIR"):
            data_dir = Path(settings.DATA_DIR) / "paysim"
        config = SimConfig.from_env(
            data_dir=data_dir,
            public_url=options["public_url"],
            duplicate_probability=options["duplicate_probability"],
            reorder_probability=options["reorder_probability"],
            reorder_delay=options["reorder_delay"],
            seed=options["seed"],
            retry_base=options["retry_base"],
        )
        ensure_keys(config.keys)
        if options["keys_only"]:
            self.stdout.write(f"demo keys in {config.keys}")
            return
        self.stdout.write(
            f"payment-provider simulator on http://{options['host']}:{options['port']} "
            f"(data in {config.data_dir}, keys in {config.keys})"
        )
        serve_forever(config, options["host"], options["port"])
