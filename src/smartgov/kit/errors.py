"""Domain errors: each carries an HTTP status and a stable machine code.

The API turns them into ``{"code", "message", "details"}``; pages turn them into messages.
Codes are part of the public contract: never rename one, add a new one instead.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class InvalidInput(DomainError):
    """Input that parses but breaks a rule (a wrong check digit, an amount over the bill)."""

    status = 422
    code = "invalid_input"

    @classmethod
    def for_field(cls, field: str, message: str, *, code: str = "invalid_input") -> InvalidInput:
        return cls(message, code=code, details=[{"field": field, "message": message}])


class NotFound(DomainError):
    """Missing, or belonging to another tenant: the two are indistinguishable on purpose."""

    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"
