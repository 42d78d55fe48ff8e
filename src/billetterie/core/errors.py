"""Domain errors: each carries a stable machine code and a message for people (translated)."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Conflict(DomainError):
    code = "conflict"
    status = 409


class SoldOut(Conflict):
    code = "sold_out"


class InvalidInput(DomainError):
    code = "invalid"
    status = 422
