"""The customer master: how a registration is cleaned and checked, and how a customer
already known is recognised, in plain Python."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Any

from plumbing.errors import FieldViolation, ValidationFailed
from plumbing.vin import vin_problem

FULL_NAME_MIN = 2
FULL_NAME_MAX = 200
CITY_MAX = 100
EMAIL_MAX = 254
EMAIL_LOCAL_MAX = 64
# E.164 allows at most 15 digits after the "+"; the shortest numbers in use have 7.
PHONE_DIGITS_MIN = 7
PHONE_DIGITS_MAX = 15

_PHONE_SEPARATORS = re.compile(r"[\s\-()]")
_PHONE_ALLOWED = re.compile(r"^\+?[0-9\s\-()]+$")
_TRUNK_PREFIX = re.compile(r"\(\s*0\s*\)")
_EMAIL_LOCAL = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_DOMAIN_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class RegistrationForm:
    """A customer's details as the dealer or station typed them."""

    full_name: str
    phone: str = ""
    email: str = ""
    city: str = ""


@dataclass(frozen=True)
class DedupKey:
    """What makes two registrations the same customer: the phone or the e-mail address."""

    phone: str | None
    email: str | None


@dataclass(frozen=True)
class Registration:
    """A checked registration, every field in the form the master stores."""

    full_name: str
    key: DedupKey
    city: str | None

    @property
    def phone(self) -> str | None:
        return self.key.phone

    @property
    def email(self) -> str | None:
        return self.key.email


def normalise_phone(raw: str) -> str:
    """A phone number in E.164 ("+4930123456"); ValueError saying what is wrong otherwise.

    Spaces, dashes and parentheses are layout and dropped; a leading 00 is the
    international prefix and becomes "+". A number without its country code is refused
    rather than guessed, because the same digits are different people in two countries.
    """
    text = raw.strip()
    if not _PHONE_ALLOWED.match(text):
        raise ValueError("may contain only digits, spaces, dashes, parentheses and a leading +")
    if _TRUNK_PREFIX.search(text):
        raise ValueError("leave out the national trunk prefix '(0)' of an international number")
    digits = _PHONE_SEPARATORS.sub("", text)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if not digits.startswith("+"):
        raise ValueError("must be in international form with the country code, e.g. +49 30 1234567 or 0049 30 1234567")
    number = digits[1:]
    if number.startswith("0"):
        raise ValueError("the country code after + cannot start with 0")
    if not PHONE_DIGITS_MIN <= len(number) <= PHONE_DIGITS_MAX:
        raise ValueError(f"must have {PHONE_DIGITS_MIN} to {PHONE_DIGITS_MAX} digits after the +")
    return digits


def normalise_email(raw: str) -> str:
    """An e-mail address lower-cased; ValueError when it does not look like one."""
    address = raw.strip().lower()
    if len(address) > EMAIL_MAX:
        raise ValueError(f"must be at most {EMAIL_MAX} characters")
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise ValueError("must look like name@example.com")
    if len(local) > EMAIL_LOCAL_MAX or not _EMAIL_LOCAL.match(local):
        raise ValueError("the part before @ is not a valid mailbox name")
    labels = domain.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.match(label) for label in labels):
        raise ValueError("the part after @ must be a domain such as example.com")
    top_level = labels[-1]
    if len(top_level) < 2 or top_level.isdigit():
        raise ValueError("the part after @ must end in a top-level domain such as .com")
    return address


def dedup_key(phone: str, email: str) -> DedupKey:
    """The normalised phone and e-mail by which an already-known customer is found.

    Empty input means "not given". At least one must be given, since a customer with
    neither could never be recognised again. Every bad field is reported at once.
    """
    problems: list[FieldViolation] = []
    normalised_phone: str | None = None
    normalised_email: str | None = None
    if phone.strip():
        try:
            normalised_phone = normalise_phone(phone)
        except ValueError as exc:
            problems.append(FieldViolation("phone", str(exc)))
    if email.strip():
        try:
            normalised_email = normalise_email(email)
        except ValueError as exc:
            problems.append(FieldViolation("email", str(exc)))
    if not phone.strip() and not email.strip():
        message = "give a phone number or an e-mail address, so the customer can be recognised again"
        problems.extend([FieldViolation("phone", message), FieldViolation("email", message)])
    if problems:
        raise ValidationFailed(problems)
    return DedupKey(phone=normalised_phone, email=normalised_email)


def normalise_registration(form: RegistrationForm) -> Registration:
    """Clean and check a registration; every bad field is named in one ValidationFailed."""
    problems: list[FieldViolation] = []
    full_name = _WHITESPACE.sub(" ", form.full_name).strip()
    if not FULL_NAME_MIN <= len(full_name) <= FULL_NAME_MAX:
        problems.append(FieldViolation("full_name", f"must be {FULL_NAME_MIN} to {FULL_NAME_MAX} characters"))
    city = _WHITESPACE.sub(" ", form.city).strip()
    if len(city) > CITY_MAX:
        problems.append(FieldViolation("city", f"must be at most {CITY_MAX} characters"))
    key: DedupKey | None = None
    try:
        key = dedup_key(form.phone, form.email)
    except ValidationFailed as exc:
        problems.extend(exc.violations)
    if problems:
        raise ValidationFailed(problems)
    assert key is not None
    return Registration(full_name=full_name, key=key, city=city or None)


def parse_customer_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw.strip())
    except ValueError as exc:
        raise ValidationFailed.one("id", "not a customer id") from exc


@dataclass(frozen=True)
class Handover:
    """A car its dealer handed over to a customer, as announced by the order service."""

    order_number: str
    dealer_code: str
    vin: str
    customer_id: uuid.UUID
    delivered_at: dt.datetime

    @classmethod
    def from_event(cls, data: dict[str, Any]) -> Handover:
        """Read an order.vehicle_delivered event; ValueError naming every missing or bad field."""
        keys = ("order_number", "dealer_code", "vin", "customer_id", "delivered_at")
        missing = [key for key in keys if not isinstance(data.get(key), str) or not data[key].strip()]
        if missing:
            raise ValueError(f"order.vehicle_delivered is missing {', '.join(missing)}")
        problems = []
        vin = data["vin"].strip().upper()
        vin_error = vin_problem(vin)
        if vin_error is not None:
            problems.append(f"vin {data['vin']!r}: {vin_error}")
        customer_id: uuid.UUID | None = None
        try:
            customer_id = uuid.UUID(data["customer_id"].strip())
        except ValueError:
            problems.append(f"customer_id {data['customer_id']!r}: not a customer id")
        delivered_at: dt.datetime | None = None
        try:
            delivered_at = dt.datetime.fromisoformat(data["delivered_at"].strip())
        except ValueError:
            problems.append(f"delivered_at {data['delivered_at']!r}: not an RFC 3339 time")
        if delivered_at is not None and delivered_at.tzinfo is None:
            problems.append(f"delivered_at {data['delivered_at']!r}: no time zone")
        if problems:
            raise ValueError(f"order.vehicle_delivered has bad fields: {'; '.join(problems)}")
        assert customer_id is not None and delivered_at is not None
        return cls(
            order_number=data["order_number"].strip(),
            dealer_code=data["dealer_code"].strip(),
            vin=vin,
            customer_id=customer_id,
            delivered_at=delivered_at,
        )
