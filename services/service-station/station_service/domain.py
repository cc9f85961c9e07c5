"""Technical support requests from repair stations: the rules for opening one, in plain Python."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from plumbing.errors import FieldViolation, ValidationFailed
from plumbing.principal import AccountRole
from plumbing.vin import vin_problem

# The desk: HQ's engineers, and HQ admins who assign its work (the gateway admits the same).
DESK_ROLES = (AccountRole.HQ_ENGINEER, AccountRole.HQ_ADMIN)

SUBJECT_MIN_LENGTH = 3
SUBJECT_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 10_000
MAX_DTC_CODES = 20

# SAE J2012: system letter, a 0-3 digit (who defined the code), then three hex digits.
_DTC_PATTERN = re.compile(r"^[PCBU][0-3][0-9A-F]{3}$")


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"


@dataclass(frozen=True)
class RequestDraft:
    """A support request as the station typed it."""

    vin: str
    subject: str
    description: str
    dtc_codes: Sequence[str] = ()
    priority: str = ""


@dataclass(frozen=True)
class CheckedRequest:
    """A draft that passed every rule, normalised."""

    vin: str
    subject: str
    description: str
    dtc_codes: tuple[str, ...]
    priority: Priority
    opened_at: dt.datetime


def normalise_dtc_codes(codes: Sequence[str]) -> tuple[tuple[str, ...], str | None]:
    """Upper-cased codes without repeats, in the order given, and what is wrong with them if anything."""
    normalised = list(dict.fromkeys(code.strip().upper() for code in codes))
    invalid = [code for code in normalised if not _DTC_PATTERN.match(code)]
    if invalid:
        shown = ", ".join(f"'{code}'" for code in invalid)
        return tuple(normalised), f"not diagnostic trouble codes such as P0301 or U0100: {shown}"
    if len(normalised) > MAX_DTC_CODES:
        return tuple(normalised), f"at most {MAX_DTC_CODES} codes per request, got {len(normalised)}"
    return tuple(normalised), None


def parse_priority(value: str) -> Priority:
    """A priority by name; an empty one means normal."""
    name = value.strip().lower()
    if not name:
        return Priority.NORMAL
    try:
        return Priority(name)
    except ValueError as exc:
        allowed = ", ".join(p.value for p in Priority)
        raise ValueError(f"unknown priority '{value}' (one of: {allowed})") from exc


def check_request(draft: RequestDraft, opened_at: dt.datetime) -> CheckedRequest:
    """Check a draft against every rule; every problem is reported at once, each naming its field."""
    problems: list[FieldViolation] = []
    vin = draft.vin.strip().upper()
    if not vin:
        problems.append(FieldViolation("vin", "is required"))
    else:
        vin_error = vin_problem(vin)
        if vin_error:
            problems.append(FieldViolation("vin", vin_error))
    subject = draft.subject.strip()
    if not SUBJECT_MIN_LENGTH <= len(subject) <= SUBJECT_MAX_LENGTH:
        problems.append(FieldViolation("subject", f"must be {SUBJECT_MIN_LENGTH} to {SUBJECT_MAX_LENGTH} characters"))
    description = draft.description.strip()
    if not description:
        problems.append(FieldViolation("description", "is required"))
    elif len(description) > DESCRIPTION_MAX_LENGTH:
        problems.append(FieldViolation("description", f"must be at most {DESCRIPTION_MAX_LENGTH} characters"))
    dtc_codes, dtc_error = normalise_dtc_codes(draft.dtc_codes)
    if dtc_error:
        problems.append(FieldViolation("dtc_codes", dtc_error))
    priority = Priority.NORMAL
    try:
        priority = parse_priority(draft.priority)
    except ValueError as exc:
        problems.append(FieldViolation("priority", str(exc)))
    if problems:
        raise ValidationFailed(problems)
    return CheckedRequest(
        vin=vin,
        subject=subject,
        description=description,
        dtc_codes=dtc_codes,
        priority=priority,
        opened_at=opened_at,
    )
