"""The customer master: how a registration is cleaned and checked, and how a customer
already known is recognised, in plain Python."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from customer_service import matching
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
    kind: str = "person"
    national_id: str = ""
    address_line: str = ""
    postal_code: str = ""
    # Channels the customer agreed to be contacted on: phone, sms, email, post.
    consents: tuple[str, ...] = ()


CUSTOMER_KINDS = ("person", "company")
CONSENT_CHANNELS = ("phone", "sms", "email", "post")
NATIONAL_ID_MAX = 40
ADDRESS_MAX = 300


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
    kind: str = "person"
    national_id: str | None = None
    name_key: str = ""
    address_line: str | None = None
    postal_code: str | None = None
    consents: tuple[str, ...] = ()

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
    if form.kind not in CUSTOMER_KINDS:
        problems.append(FieldViolation("kind", f"must be one of {', '.join(CUSTOMER_KINDS)}"))
    national_id = matching.national_id_key(form.national_id)
    if national_id is not None and len(national_id) > NATIONAL_ID_MAX:
        problems.append(FieldViolation("national_id", f"must be at most {NATIONAL_ID_MAX} characters"))
    address_line = _WHITESPACE.sub(" ", form.address_line).strip()
    if len(address_line) > ADDRESS_MAX:
        problems.append(FieldViolation("address_line", f"must be at most {ADDRESS_MAX} characters"))
    postal_code = form.postal_code.strip().upper()
    if len(postal_code) > 20:
        problems.append(FieldViolation("postal_code", "must be at most 20 characters"))
    unknown = [channel for channel in form.consents if channel not in CONSENT_CHANNELS]
    if unknown:
        problems.append(
            FieldViolation("consents", f"unknown channel {unknown[0]!r}: use {', '.join(CONSENT_CHANNELS)}")
        )
    key: DedupKey | None = None
    # Someone with an official id can be recognised again by it alone.
    if national_id is not None and not form.phone.strip() and not form.email.strip():
        key = DedupKey(phone=None, email=None)
    else:
        try:
            key = dedup_key(form.phone, form.email)
        except ValidationFailed as exc:
            problems.extend(exc.violations)
    if problems:
        raise ValidationFailed(problems)
    assert key is not None
    return Registration(
        full_name=full_name,
        key=key,
        city=city or None,
        kind=form.kind,
        national_id=national_id,
        name_key=matching.name_key(full_name, company=form.kind == "company"),
        address_line=address_line or None,
        postal_code=postal_code or None,
        consents=tuple(dict.fromkeys(form.consents)),
    )


def identity_of(registration: Registration) -> matching.Identity:
    return matching.Identity(
        name_key=registration.name_key,
        phones=frozenset([registration.phone] if registration.phone else []),
        emails=frozenset([registration.email] if registration.email else []),
        national_id=registration.national_id,
        city=registration.city,
    )


def parse_customer_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw.strip())
    except ValueError as exc:
        raise ValidationFailed.one("id", "not a customer id") from exc


def _event_fields(event_type: str, data: dict[str, Any], keys: tuple[str, ...]) -> dict[str, str]:
    missing = [key for key in keys if not isinstance(data.get(key), str) or not data[key].strip()]
    if missing:
        raise ValueError(f"{event_type} is missing {', '.join(missing)}")
    return {key: data[key].strip() for key in keys}


def _event_vin(event_type: str, raw: str, problems: list[str]) -> str:
    vin = raw.strip().upper()
    vin_error = vin_problem(vin)
    if vin_error is not None:
        problems.append(f"vin {raw!r}: {vin_error}")
    return vin


def _event_time(key: str, raw: str, problems: list[str]) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        problems.append(f"{key} {raw!r}: not an RFC 3339 time")
        return None
    if moment.tzinfo is None:
        problems.append(f"{key} {raw!r}: no time zone")
        return None
    return moment


@dataclass(frozen=True)
class Handover:
    """A car handed over to its buyer: an ordered car delivered (order.vehicle_delivered) or a
    car sold from a dealer's stock (inventory.vehicle_sold)."""

    order_number: str | None
    dealer_code: str
    vin: str
    customer_id: uuid.UUID
    delivered_at: dt.datetime
    price_minor: int = 0

    @classmethod
    def from_event(cls, data: dict[str, Any], event_type: str = "order.vehicle_delivered") -> Handover:
        """Read the event; ValueError naming every missing or bad field."""
        sale = event_type == "inventory.vehicle_sold"
        when = "sold_at" if sale else "delivered_at"
        keys = (
            ("dealer_code", "vin", "customer_id", when)
            if sale
            else ("order_number", "dealer_code", "vin", "customer_id", when)
        )
        fields = _event_fields(event_type, data, keys)
        problems: list[str] = []
        vin = _event_vin(event_type, fields["vin"], problems)
        customer_id: uuid.UUID | None = None
        try:
            customer_id = uuid.UUID(fields["customer_id"])
        except ValueError:
            problems.append(f"customer_id {fields['customer_id']!r}: not a customer id")
        delivered_at = _event_time(when, fields[when], problems)
        price = data.get("list_price_minor") or 0
        if not isinstance(price, int) or price < 0:
            problems.append(f"list_price_minor {price!r}: not a price")
        if problems:
            raise ValueError(f"{event_type} has bad fields: {'; '.join(problems)}")
        assert customer_id is not None and delivered_at is not None
        return cls(
            order_number=fields.get("order_number"),
            dealer_code=fields["dealer_code"],
            vin=vin,
            customer_id=customer_id,
            delivered_at=delivered_at,
            price_minor=int(price),
        )


@dataclass(frozen=True)
class StationVisit:
    """A station's work on a car: a support request opened or closed, or a repair done."""

    request_id: str
    station_code: str
    vin: str
    occurred_at: dt.datetime
    closed: bool
    summary: str
    repair: bool = False

    @classmethod
    def from_event(cls, event_type: str, data: dict[str, Any], envelope_time: str) -> StationVisit:
        """Read support_request.opened/closed or station.repair_recorded (a repair is a visit
        that ends when the work is done)."""
        repair = event_type == "station.repair_recorded"
        closed = event_type == "support_request.closed" or repair
        reference = "repair_id" if repair else "request_id"
        fields = _event_fields(event_type, data, (reference, "station_code", "vin"))
        fields["request_id"] = fields[reference]
        problems: list[str] = []
        vin = _event_vin(event_type, fields["vin"], problems)
        raw_time = data.get("repaired_at") if repair else data.get("closed_at") if closed else data.get("opened_at")
        occurred_at = _event_time("occurred_at", str(raw_time or envelope_time), problems)
        if problems:
            raise ValueError(f"{event_type} has bad fields: {'; '.join(problems)}")
        assert occurred_at is not None
        codes = ", ".join(str(code) for code in data.get("dtc_codes") or [])
        if repair:
            summary = str(data.get("work_done") or "")
        else:
            summary = str(data.get("resolution") or data.get("subject") or "") if closed else codes
        return cls(fields["request_id"], fields["station_code"], vin, occurred_at, closed, summary[:500], repair)


# --- Relationships and segments ---------------------------------------------------------------


class RelationshipKind(StrEnum):
    PROSPECT = "prospect"
    BUYER = "buyer"
    SERVICING = "servicing"
    FLEET = "fleet"


class Segment(StrEnum):
    """HQ's three groups: people who might buy, people worth winning now, and key customers."""

    POTENTIAL = "potential"
    TARGET = "target"
    KEY = "key"


@dataclass(frozen=True)
class Activity:
    """What a customer has bought and had serviced, as the master has recorded it."""

    purchases: int = 0
    purchase_value_minor: int = 0
    last_purchase_at: dt.datetime | None = None
    services: int = 0
    last_service_at: dt.datetime | None = None
    fleet: bool = False


# Value thresholds in the smallest currency unit (the catalogue's prices are of that order).
KEY_VALUE_MINOR = 10_000_000
TIER_A_VALUE_MINOR = 5_000_000
TIER_B_VALUE_MINOR = 1_500_000
RECENT_DAYS = 3 * 365
ACTIVE_DAYS = 365


def value_tier(activity: Activity, now: dt.datetime) -> str:
    """A, B or C from recency, frequency and value of purchases and service (RFM)."""
    last = max(
        (moment for moment in (activity.last_purchase_at, activity.last_service_at) if moment is not None),
        default=None,
    )
    recency = (
        0 if last is None else 2 if (now - last).days <= ACTIVE_DAYS else 1 if (now - last).days <= RECENT_DAYS else 0
    )
    frequency = (
        2 if activity.purchases + activity.services >= 5 else 1 if activity.purchases + activity.services >= 2 else 0
    )
    value = (
        2
        if activity.purchase_value_minor >= TIER_A_VALUE_MINOR
        else 1
        if activity.purchase_value_minor >= TIER_B_VALUE_MINOR
        else 0
    )
    score = recency + frequency + value
    return "A" if score >= 5 else "B" if score >= 3 else "C"


def segment(activity: Activity, now: dt.datetime) -> Segment:
    """Key: a fleet account, or much bought, or a top tier. Target: bought or serviced within
    three years. Potential: everyone else the master knows of (prospects)."""
    tier = value_tier(activity, now)
    if activity.fleet or activity.purchase_value_minor >= KEY_VALUE_MINOR or (tier == "A" and activity.purchases):
        return Segment.KEY
    recent = [m for m in (activity.last_purchase_at, activity.last_service_at) if m is not None]
    if recent and (now - max(recent)).days <= RECENT_DAYS:
        return Segment.TARGET
    return Segment.POTENTIAL
