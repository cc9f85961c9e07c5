"""Errors the domain raises and every edge (gRPC, HTTP, events) knows how to report."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldViolation:
    field: str
    message: str


class ValidationFailed(ValueError):
    """Input refused; names every offending field."""

    def __init__(self, violations: list[FieldViolation]) -> None:
        self.violations = violations
        super().__init__("; ".join(f"{v.field}: {v.message}" for v in violations))

    @classmethod
    def one(cls, field: str, message: str) -> ValidationFailed:
        return cls([FieldViolation(field, message)])


class NotFound(LookupError):
    """No such record, or not one the caller may see: the two are never told apart."""


class Refused(Exception):
    """The request is well formed but the state of the record does not allow it."""
