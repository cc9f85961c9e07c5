"""Rules for opening a station's technical support request."""

from __future__ import annotations

import datetime as dt

import pytest

from plumbing.errors import ValidationFailed
from plumbing.vin import vin_check_digit, vin_problem
from station_service.domain import (
    Priority,
    RequestDraft,
    check_request,
    normalise_dtc_codes,
    parse_priority,
)

OPENED_AT = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
VALID_VIN = "1M8GDM9AXKP042788"


def draft(**changes: object) -> RequestDraft:
    fields: dict[str, object] = {
        "vin": VALID_VIN,
        "subject": "Misfire on cylinder 1 after injector swap",
        "description": "Rough idle persists after replacing injector 1; compression is in spec.",
        "dtc_codes": ["P0301"],
        "priority": "high",
    }
    fields.update(changes)
    return RequestDraft(**fields)  # type: ignore[arg-type]


def violated_fields(exc: ValidationFailed) -> set[str]:
    return {v.field for v in exc.violations}


@pytest.mark.parametrize(
    ("vin", "check_digit"),
    [
        ("1M8GDM9AXKP042788", "X"),
        ("11111111111111111", "1"),
        ("1HGCM82633A004352", "3"),
        ("JH4KA7561PC008269", "1"),
    ],
)
def test_check_digit_of_known_valid_vins(vin: str, check_digit: str) -> None:
    assert vin_check_digit(vin) == check_digit


def test_check_digit_ignores_what_position_9_holds() -> None:
    assert vin_check_digit("1M8GDM9A0KP042788") == "X"


def test_check_digit_refuses_a_malformed_vin() -> None:
    with pytest.raises(ValueError):
        vin_check_digit("1M8GDM9AXKP04278")


@pytest.mark.parametrize("vin", ["1M8GDM9AXKP042788", "11111111111111111", "1HGCM82633A004352"])
def test_north_american_vins_with_right_check_digit_are_valid(vin: str) -> None:
    assert vin_problem(vin) is None


def test_north_american_vin_with_wrong_check_digit_is_refused() -> None:
    problem = vin_problem("1M8GDM9A1KP042788")
    assert problem is not None
    assert "should be X" in problem


def test_chinese_vin_check_digit_is_enforced() -> None:
    body = "LSGJA52U09S123456"
    right = body[:8] + vin_check_digit(body) + body[9:]
    wrong_digit = "0" if right[8] != "0" else "1"
    assert vin_problem(right) is None
    assert vin_problem(right[:8] + wrong_digit + right[9:]) is not None


def test_european_vin_needs_no_check_digit() -> None:
    # Position 9 holds Z, which can never be a check digit.
    assert vin_problem("WVWZZZ1JZXW000001") is None


@pytest.mark.parametrize(
    ("vin", "expected"),
    [
        ("1M8GDM9AXKP04278", "17 characters"),
        ("1M8GDM9AXKP0427889", "17 characters"),
        ("1M8GDM9AXKP04I788", "except I, O and Q"),
        ("WVWZZZ1JZXW00000O", "except I, O and Q"),
        ("WVWZZZ1JZXW00000Q", "except I, O and Q"),
        ("WVWZZZ1JZXW0000-1", "except I, O and Q"),
    ],
)
def test_malformed_vins_are_refused(vin: str, expected: str) -> None:
    problem = vin_problem(vin)
    assert problem is not None
    assert expected in problem


def test_dtc_codes_are_upper_cased_and_repeats_dropped() -> None:
    codes, problem = normalise_dtc_codes([" p0301", "U0100", "P0301", "c1234", "b0AF1"])
    assert problem is None
    assert codes == ("P0301", "U0100", "C1234", "B0AF1")


@pytest.mark.parametrize("code", ["X0301", "P4301", "P030", "P03011", "P03G1", "0301", ""])
def test_malformed_dtc_codes_are_named(code: str) -> None:
    _, problem = normalise_dtc_codes(["P0301", code])
    assert problem is not None
    assert f"'{code.upper()}'" in problem


def test_too_many_dtc_codes_are_refused() -> None:
    _, problem = normalise_dtc_codes([f"P0{n:03d}" for n in range(21)])
    assert problem is not None
    assert "at most 20" in problem


def test_empty_priority_means_normal_and_names_are_case_blind() -> None:
    assert parse_priority("") is Priority.NORMAL
    assert parse_priority(" Critical ") is Priority.CRITICAL


def test_unknown_priority_is_refused() -> None:
    with pytest.raises(ValueError, match="urgent"):
        parse_priority("urgent")


def test_a_good_draft_is_normalised() -> None:
    checked = check_request(
        draft(vin=" 1m8gdm9axkp042788 ", subject="  Misfire  ", dtc_codes=["p0301", "u0100"], priority=""),
        OPENED_AT,
    )
    assert checked.vin == VALID_VIN
    assert checked.subject == "Misfire"
    assert checked.dtc_codes == ("P0301", "U0100")
    assert checked.priority is Priority.NORMAL
    assert checked.opened_at == OPENED_AT


def test_a_request_without_dtc_codes_is_accepted() -> None:
    assert check_request(draft(dtc_codes=[]), OPENED_AT).dtc_codes == ()


def test_every_bad_field_is_reported_at_once() -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_request(
            draft(vin="1M8GDM9A1KP042788", subject="ab", description="   ", dtc_codes=["P0301", "Z9999"], priority="x"),
            OPENED_AT,
        )
    assert violated_fields(caught.value) == {"vin", "subject", "description", "dtc_codes", "priority"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"vin": ""}, "vin"),
        ({"subject": "x" * 201}, "subject"),
        ({"description": "x" * 10_001}, "description"),
    ],
)
def test_required_and_bounded_fields(changes: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_request(draft(**changes), OPENED_AT)
    assert violated_fields(caught.value) == {field}


def test_subject_length_bounds_are_inclusive() -> None:
    assert check_request(draft(subject="abc"), OPENED_AT).subject == "abc"
    assert len(check_request(draft(subject="x" * 200), OPENED_AT).subject) == 200
