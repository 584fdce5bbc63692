"""Typed settings from the environment. Every setting is declared once, here, with its type,
default and description; ``docs/operations.md`` lists them (a test keeps the two in step)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T", str, int, bool)


@dataclass(frozen=True)
class Setting(Generic[T]):
    name: str
    default: T
    description: str

    def read(self) -> T:
        raw = os.environ.get(self.name)
        if raw is None or raw == "":
            return self.default
        if isinstance(self.default, bool):
            if raw.lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.lower() in {"0", "false", "no", "off"}:
                return False
            raise ValueError(f"{self.name} must be true or false, got {raw!r}")
        if isinstance(self.default, int):
            try:
                return int(raw)
            except ValueError:
                raise ValueError(f"{self.name} must be an integer, got {raw!r}") from None
        return raw


DEV_SECRET_KEY = "smartgov-insecure-development-key-do-not-use-in-production"  # noqa: S105 - refused by serve

SETTINGS: list[Setting] = [
    Setting(
        "SMARTGOV_DATA_DIR", "./var", "Folder for the embedded SQLite database, uploaded files and keys."
    ),
    Setting(
        "DATABASE_URL", "", "Database the app uses (app role on PostgreSQL). Empty: SQLite in the data dir."
    ),
    Setting(
        "SMARTGOV_OWNER_DATABASE_URL",
        "",
        "PostgreSQL URL of the table-owner role; `smartgov migrate` uses it. Empty: DATABASE_URL.",
    ),
    Setting(
        "SMARTGOV_DB_APP_ROLE", "", "PostgreSQL role the app connects as; migrate grants it table rights."
    ),
    Setting("SMARTGOV_SECRET_KEY", DEV_SECRET_KEY, "Django secret key (sessions, signed links)."),
    Setting(
        "SMARTGOV_MASTER_KEY",
        "",
        "Base64 32-byte key that wraps every tenant's data key. Empty: derived from the secret key.",
    ),
    Setting(
        "SMARTGOV_DEBUG", False, "Django debug mode. `smartgov serve` refuses it with the default secret."
    ),
    Setting("SMARTGOV_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]", "Comma-separated host names served."),
    Setting("SMARTGOV_CSRF_TRUSTED_ORIGINS", "", "Comma-separated origins trusted for CSRF (https://...)."),
    Setting("SMARTGOV_SECURE_COOKIES", False, "Send cookies only over HTTPS (turn on behind TLS)."),
    Setting("SMARTGOV_LOG_LEVEL", "INFO", "Root log level; logs are JSON lines on stderr."),
    Setting("SMARTGOV_LOG_JSON", True, "Structured JSON logs (false: plain text for local reading)."),
    Setting("SMARTGOV_MAX_BODY_BYTES", 10 * 1024 * 1024, "Largest request body accepted, in bytes."),
    Setting("SMARTGOV_EMAIL_BACKEND", "file", "file, console or smtp: where one-time codes and notices go."),
    Setting("SMARTGOV_EMAIL_HOST", "localhost", "SMTP host (with SMARTGOV_EMAIL_BACKEND=smtp)."),
    Setting("SMARTGOV_EMAIL_PORT", 25, "SMTP port."),
    Setting("SMARTGOV_EMAIL_USER", "", "SMTP user name."),
    Setting("SMARTGOV_EMAIL_PASSWORD", "", "SMTP password."),
    Setting("SMARTGOV_EMAIL_TLS", False, "Use STARTTLS for SMTP."),
    Setting("SMARTGOV_EMAIL_FROM", "smartgov <noreply@smartgov.local>", "Sender of outgoing mail."),
    Setting(
        "SMARTGOV_SMS_BACKEND", "file", "file (records messages in the data dir) or a provider dotted path."
    ),
    Setting(
        "SMARTGOV_CELERY_BROKER_URL", "", "Celery broker (redis:// or amqp://). Empty: tasks run eagerly."
    ),
    Setting(
        "SMARTGOV_NOTICE_DISPATCH_SECONDS",
        5,
        "Seconds between the beat runs that queue due e-mails and texts (the notices outbox).",
    ),
    Setting(
        "SMARTGOV_CACHE_URL", "", "Shared cache (redis://...) for several web processes. Empty: in-process."
    ),
    Setting(
        "SMARTGOV_STORAGE", "local", "local (files in the data dir) or s3 (S3-compatible object storage)."
    ),
    Setting("SMARTGOV_S3_BUCKET", "smartgov", "Bucket with SMARTGOV_STORAGE=s3."),
    Setting("SMARTGOV_S3_ENDPOINT_URL", "", "S3-compatible endpoint URL (MinIO, Ceph, OSS...)."),
    Setting("SMARTGOV_S3_ACCESS_KEY", "", "S3 access key id."),
    Setting("SMARTGOV_S3_SECRET_KEY", "", "S3 secret access key."),
    Setting("SMARTGOV_S3_REGION", "us-east-1", "S3 region name."),
    Setting("SMARTGOV_LOGIN_FAILURE_LIMIT", 5, "Failed logins (per user and address) before lockout."),
    Setting("SMARTGOV_LOGIN_COOLOFF_MINUTES", 15, "Minutes a lockout lasts."),
    Setting("SMARTGOV_METRICS_TOKEN", "", "If set, /metrics requires `Authorization: Bearer <token>`."),
    Setting("SMARTGOV_WORKERS", 0, "Web worker processes for `smartgov serve` (0: 2 x cores + 1)."),
    Setting("SMARTGOV_THREADS", 4, "Threads per web worker process for `smartgov serve`."),
    Setting("SMARTGOV_TIME_ZONE", "Asia/Shanghai", "Default local time zone for display and deadlines."),
    Setting("SMARTGOV_SITE_URL", "", "Public base URL (https://gov.example) that makes links in e-mails absolute."),
    Setting("SMARTGOV_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024, "Largest upload in bytes (tenants may lower it)."),
    Setting("SMARTGOV_DOCUMENT_LINK_SECONDS", 300, "Seconds a signed document download link stays valid."),
    Setting("SMARTGOV_PAYMENT_TIMEOUT_SECONDS", 900, "Seconds an unanswered payment lives before it expires."),
    Setting("SMARTGOV_PAYMENT_POLL_AFTER_SECONDS", 120, "Seconds without a notification before a payment is polled."),
    Setting(
        "SMARTGOV_PAYSIM_URL",
        "http://127.0.0.1:8010",
        "Base URL of the payment-provider simulator; the default channels point at it.",
    ),
    Setting(
        "SMARTGOV_PAYMENT_PROVIDERS_FILE",
        "",
        "JSON file with the PAYMENT_PROVIDERS dict (real providers, see docs/payments.md). Empty: every "
        "channel points at the simulator with the demo keys in SMARTGOV_DATA_DIR/paysim/keys.",
    ),
]

_BY_NAME = {s.name: s for s in SETTINGS}


def env(name: str):
    """Read a declared setting; an undeclared name is a programming error."""
    return _BY_NAME[name].read()


def markdown_table() -> str:
    """The settings table of docs/operations.md: `python -m smartgov.config.env` prints it."""
    rows = ["| setting | type | default | what it does |", "| --- | --- | --- | --- |"]
    for s in SETTINGS:
        if s.name == "SMARTGOV_SECRET_KEY":
            default = "(development key; `serve` refuses it)"
        elif isinstance(s.default, str):
            default = f"`{s.default}`" if s.default else "(empty)"
        else:
            default = repr(s.default)
        rows.append(f"| `{s.name}` | {type(s.default).__name__} | {default} | {s.description} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown_table())
