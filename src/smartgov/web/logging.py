"""Structured logs: one JSON object per line, with the request id, for any log shipper."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from smartgov.kit import requestctx


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # Django logs a request's outcome after the middleware has returned: take the id from the
        # request it attaches to the record when the context has been reset already.
        request = getattr(record, "request", None)
        record.request_id = requestctx.current().request_id or getattr(request, "request_id", "")
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", ""),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
