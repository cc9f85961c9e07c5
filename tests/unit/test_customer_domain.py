"""The customer master's registration rules, without a database."""

from __future__ import annotations

import uuid

import pytest

from customer_service.domain import (
    DedupKey,
    RegistrationForm,
    dedup_key,
    normalise_email,
    normalise_phone,
    normalise_registration,
    parse_customer_id,
)
from plumbing.errors import ValidationFailed


def fields_of(exc: pytest.ExceptionInfo[ValidationFailed]) -> list[str]:
    return [violation.field for violation in exc.value.violations]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+49 30 1234567", "+49301234567"),
        ("+1 (555) 010-4477", "+15550104477"),
        ("0049-30-1234567", "+49301234567"),
        ("  +86 138 0013 8000 ", "+8613800138000"),
        ("+4930\t1234567", "+49301234567"),
    ],
)
def test_phone_layout_is_dropped_and_00_becomes_plus(typed: str, stored: str) -> None:
    assert normalise_phone(typed) == stored


def test_national_number_is_refused_with_a_hint_at_the_country_code() -> None:
    with pytest.raises(ValueError, match="international form with the country code"):
        normalise_phone("030 1234567")


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("+49 30 CALL-ME", "only digits"),
        ("+49.30.1234567", "only digits"),
        ("+49 30 +1234567", "only digits"),
        ("+44 (0)20 7946 0000", r"trunk prefix '\(0\)'"),
        ("+0 30 1234567", "cannot start with 0"),
        ("+49 123", "7 to 15 digits"),
        ("+49 3012 3456 7890 123", "7 to 15 digits"),
    ],
)
def test_phone_that_is_not_a_plausible_e164_number_is_refused(typed: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        normalise_phone(typed)


def test_email_is_trimmed_and_lower_cased() -> None:
    assert normalise_email("  Li.Wei+Cars@Example.COM ") == "li.wei+cars@example.com"


@pytest.mark.parametrize(
    "typed",
    [
        "li.wei",
        "li.wei@",
        "@example.com",
        "li wei@example.com",
        "li..wei@example.com",
        ".liwei@example.com",
        "li.wei@localhost",
        "li.wei@example..com",
        "li.wei@-example.com",
        "li.wei@example.c",
        "li.wei@192.168.0.1",
        "a" * 65 + "@example.com",
        "li.wei@" + "a" * 250 + ".com",
    ],
)
def test_email_without_a_plausible_shape_is_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        normalise_email(typed)


def test_dedup_key_normalises_both_so_differently_typed_details_match() -> None:
    typed_by_dealer = dedup_key("0086 138-0013-8000", "LI.WEI@EXAMPLE.COM")
    typed_by_station = dedup_key("+86 (138) 0013 8000", " li.wei@example.com")
    assert typed_by_dealer == typed_by_station == DedupKey("+8613800138000", "li.wei@example.com")


def test_dedup_key_treats_blank_as_not_given() -> None:
    assert dedup_key("   ", "li.wei@example.com") == DedupKey(None, "li.wei@example.com")
    assert dedup_key("+8613800138000", "") == DedupKey("+8613800138000", None)


def test_dedup_key_needs_a_phone_or_an_email() -> None:
    with pytest.raises(ValidationFailed) as exc:
        dedup_key(" ", "")
    assert fields_of(exc) == ["phone", "email"]
    assert "phone number or an e-mail address" in exc.value.violations[0].message


def test_registration_is_normalised() -> None:
    registration = normalise_registration(
        RegistrationForm(
            full_name="  Li   Wei ", phone="0086 138 0013 8000", email="Li.Wei@Example.com", city=" Wuhan "
        )
    )
    assert registration.full_name == "Li Wei"
    assert registration.phone == "+8613800138000"
    assert registration.email == "li.wei@example.com"
    assert registration.city == "Wuhan"
    assert registration.key == DedupKey("+8613800138000", "li.wei@example.com")


def test_registration_without_city_stores_none() -> None:
    registration = normalise_registration(RegistrationForm(full_name="Li Wei", email="li.wei@example.com", city="  "))
    assert registration.city is None
    assert registration.phone is None


def test_registration_names_every_bad_field_at_once() -> None:
    with pytest.raises(ValidationFailed) as exc:
        normalise_registration(RegistrationForm(full_name=" L ", phone="030 1234567", email="li.wei@", city="W" * 101))
    assert sorted(fields_of(exc)) == ["city", "email", "full_name", "phone"]
    phone_message = next(v.message for v in exc.value.violations if v.field == "phone")
    assert "country code" in phone_message


def test_registration_without_phone_or_email_names_both() -> None:
    with pytest.raises(ValidationFailed) as exc:
        normalise_registration(RegistrationForm(full_name="Li Wei"))
    assert sorted(fields_of(exc)) == ["email", "phone"]


@pytest.mark.parametrize(("name", "accepted"), [("Li", True), ("L" * 200, True), ("", False), ("L" * 201, False)])
def test_full_name_length_is_2_to_200_after_trimming(name: str, accepted: bool) -> None:
    form = RegistrationForm(full_name=f"  {name}  ", email="li.wei@example.com")
    if accepted:
        assert normalise_registration(form).full_name == name
    else:
        with pytest.raises(ValidationFailed) as exc:
            normalise_registration(form)
        assert fields_of(exc) == ["full_name"]


def test_customer_id_must_be_a_uuid() -> None:
    known = uuid.uuid4()
    assert parse_customer_id(str(known)) == known
    with pytest.raises(ValidationFailed) as exc:
        parse_customer_id("CUST-42")
    assert fields_of(exc) == ["id"]
