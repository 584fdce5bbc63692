"""Where the current request came from: request id and client address, for logs and audit.

Set by the request middleware, read by the log filter and the audit service. A task or command
sets its own request id so its log lines and audit events can be followed too.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestInfo:
    request_id: str = ""
    ip: str | None = None


_NONE = RequestInfo()
_info: contextvars.ContextVar[RequestInfo] = contextvars.ContextVar("smartgov_request", default=_NONE)


def current() -> RequestInfo:
    return _info.get()


def set_current(info: RequestInfo) -> contextvars.Token[RequestInfo]:
    return _info.set(info)


def reset(token: contextvars.Token[RequestInfo]) -> None:
    _info.reset(token)
