"""Text messages through a provider interface. The default backend records each message as a JSON
line in the data folder (what it would have sent), like Django's file e-mail backend; production
plugs a provider's adapter in through ``SMARTGOV_SMS_BACKEND`` (a dotted path to a class)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from smartgov.kit import clock


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> str:
        """Send one message; return the provider's message id."""


class FileSmsBackend:
    _lock = threading.Lock()

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = Path(folder or settings.SMS_FILE_PATH)

    def send(self, phone: str, text: str) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        sent_at = clock.now()
        message_id = f"file-{sent_at.timestamp():.6f}"
        line = json.dumps(
            {"id": message_id, "to": phone, "text": text, "at": sent_at.isoformat()}, ensure_ascii=False
        )
        with self._lock, (self.folder / "messages.jsonl").open("a", encoding="utf-8") as out:
            out.write(line + "\n")
        return message_id

    def sent(self) -> list[dict[str, str]]:
        path = self.folder / "messages.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def backend() -> SmsBackend:
    name = settings.SMS_BACKEND
    if name == "file":
        return FileSmsBackend()
    backend_class: type[SmsBackend] = import_string(name)
    return backend_class()


def send_sms(phone: str, text: str) -> str:
    return backend().send(phone, text)
