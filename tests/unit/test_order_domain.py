"""The order service's catalogue rules, supply, scheduling and VIN rules, without a database."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from order_service.domain import (
    MAX_VEHICLES_PER_LINE,
    PLANTS,
    Amendment,
    CatalogueModel,
    CatalogueOption,
    Colour,
    LargeOrderLimits,
    OrderLine,
    PlannedVehicle,
    Supply,
    Trim,
    allocation_month,
    build_vin,
    check_customer_id,
    check_idempotency_key,
    check_reason,
    check_schedule,
    large_order_reason,
    model_year_code,
    order_number,
    parse_iso_week,
    plan_amendment,
    plan_order,
    request_fingerprint,
    supply_after_reservation,
    vin_serial,
)
from plumbing.errors import ValidationFailed
from plumbing.vin import vin_problem

# Wednesday of ISO week 2027-W03 (Monday 18 January to Sunday 24 January).
TODAY = dt.date(2027, 1, 20)

CATALOGUE = {
    "AURA": CatalogueModel(
        code="AURA",
        name="Aura",
        trims={
            "BASE": Trim("BASE", "Base", 3_190_000, "EUR"),
            "SPORT": Trim("SPORT", "Sport", 3_990_000, "EUR"),
        },
        colours={"WHT": Colour("WHT", "Glacier White"), "BLK": Colour("BLK", "Onyx Black")},
        options={
            "SUNROOF": CatalogueOption("SUNROOF", "Sunroof", 90_000, frozenset({"SPORT"})),
            "TOWBAR": CatalogueOption("TOWBAR", "Tow bar", 45_000, frozenset({"BASE", "SPORT"})),
        },
    ),
    "TERRA": CatalogueModel(
        code="TERRA",
        name="Terra",
        trims={"BASE": Trim("BASE", "Base", 4_500_000, "EUR")},
        colours={"GRN": Colour("GRN", "Forest Green")},
    ),
}


def line(**changes: object) -> OrderLine:
    values: dict[str, object] = {
        "model_code": "AURA",
        "trim_code": "SPORT",
        "colour_code": "WHT",
        "quantity": 1,
        "wanted_week": "",
    }
    values.update(changes)
    return OrderLine(**values)  # type: ignore[arg-type]


def refusal(order_line: OrderLine, today: dt.date = TODAY) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as exc:
        plan_order(CATALOGUE, order_line, today)
    return exc.value


def fields_of(exc: ValidationFailed) -> list[str]:
    return [violation.field for violation in exc.violations]


def message_for(exc: ValidationFailed, field: str) -> str:
    messages = [violation.message for violation in exc.violations if violation.field == field]
    assert len(messages) == 1, exc.violations
    return messages[0]


def test_valid_line_plans_one_vehicle_per_car_at_the_trims_list_price() -> None:
    planned = plan_order(CATALOGUE, line(quantity=3, wanted_week="2027-W05"), TODAY)

    expected = PlannedVehicle(
        model_code="AURA",
        trim_code="SPORT",
        colour_code="WHT",
        wanted_week="2027-W05",
        list_price_minor=3_990_000,
        currency="EUR",
    )
    assert planned == [expected, expected, expected]


def test_price_comes_from_the_trim_of_the_ordered_model() -> None:
    planned = plan_order(CATALOGUE, line(model_code="TERRA", trim_code="BASE", colour_code="GRN"), TODAY)

    assert [(car.list_price_minor, car.currency) for car in planned] == [(4_500_000, "EUR")]


def test_unknown_model_is_refused_naming_model_code() -> None:
    exc = refusal(line(model_code="ZEPHYR"))

    assert fields_of(exc) == ["model_code"]
    assert "ZEPHYR" in message_for(exc, "model_code")


def test_trim_not_offered_on_the_model_names_trim_code_and_lists_the_offered_trims() -> None:
    exc = refusal(line(model_code="AURA", trim_code="OFFROAD"))

    assert fields_of(exc) == ["trim_code"]
    message = message_for(exc, "trim_code")
    assert "OFFROAD" in message
    assert "AURA" in message
    assert "offered: BASE, SPORT" in message


def test_trim_of_another_model_is_not_offered() -> None:
    exc = refusal(line(model_code="TERRA", trim_code="SPORT", colour_code="GRN"))

    assert fields_of(exc) == ["trim_code"]
    assert "offered: BASE)" in message_for(exc, "trim_code")


def test_colour_not_offered_on_the_model_names_colour_code_and_lists_the_offered_colours() -> None:
    exc = refusal(line(colour_code="GRN"))

    assert fields_of(exc) == ["colour_code"]
    message = message_for(exc, "colour_code")
    assert "GRN" in message
    assert "offered: BLK, WHT" in message


@pytest.mark.parametrize("quantity", [0, -1, MAX_VEHICLES_PER_LINE + 1])
def test_quantity_outside_one_to_fifty_is_refused(quantity: int) -> None:
    exc = refusal(line(quantity=quantity))

    assert fields_of(exc) == ["quantity"]
    assert message_for(exc, "quantity") == "must be between 1 and 50"


@pytest.mark.parametrize("quantity", [1, MAX_VEHICLES_PER_LINE])
def test_quantity_at_the_bounds_is_accepted(quantity: int) -> None:
    assert len(plan_order(CATALOGUE, line(quantity=quantity), TODAY)) == quantity


def test_every_problem_of_a_line_is_reported_at_once_each_naming_its_field() -> None:
    exc = refusal(line(trim_code="OFFROAD", colour_code="PINK", quantity=0, wanted_week="soon"))

    assert fields_of(exc) == ["trim_code", "colour_code", "quantity", "wanted_week"]
    assert "trim_code: " in str(exc)
    assert "wanted_week: " in str(exc)


def test_unknown_model_is_reported_together_with_the_other_fields() -> None:
    exc = refusal(line(model_code="ZEPHYR", quantity=51, wanted_week="2027-W02"))

    assert fields_of(exc) == ["model_code", "quantity", "wanted_week"]


def test_wanted_week_is_optional() -> None:
    planned = plan_order(CATALOGUE, line(wanted_week=""), TODAY)

    assert planned[0].wanted_week == ""


@pytest.mark.parametrize("week", ["2027-5", "2027-05", "2027W05", "2027-w05", "27-W05", "2027-W5", "2027-W005"])
def test_wanted_week_not_written_as_an_iso_week_is_refused(week: str) -> None:
    exc = refusal(line(wanted_week=week))

    assert fields_of(exc) == ["wanted_week"]
    assert message_for(exc, "wanted_week") == "must be an ISO week such as 2027-W05"


@pytest.mark.parametrize("week", ["2027-W54", "2027-W53", "2027-W00"])
def test_wanted_week_that_is_not_a_week_of_its_year_is_refused(week: str) -> None:
    exc = refusal(line(wanted_week=week))

    assert fields_of(exc) == ["wanted_week"]
    assert message_for(exc, "wanted_week") == f"{week} is not a week of 2027"


def test_iso_week_is_read_as_its_monday_with_the_calendars_week_53() -> None:
    assert parse_iso_week("2027-W05") == dt.date(2027, 2, 1)
    # 2026 has 53 ISO weeks; its last one starts in December 2026.
    assert parse_iso_week("2026-W53") == dt.date(2026, 12, 28)


def test_wanted_week_with_a_trailing_newline_is_refused() -> None:
    exc = refusal(line(wanted_week="2027-W05\n"))

    assert fields_of(exc) == ["wanted_week"]


def test_past_week_is_refused() -> None:
    exc = refusal(line(wanted_week="2027-W02"))

    assert fields_of(exc) == ["wanted_week"]
    assert message_for(exc, "wanted_week") == "2027-W02 is already past"


def test_week_of_an_earlier_year_is_refused_as_past() -> None:
    exc = refusal(line(wanted_week="2026-W52"))

    assert message_for(exc, "wanted_week") == "2026-W52 is already past"


def test_current_week_is_accepted() -> None:
    planned = plan_order(CATALOGUE, line(wanted_week="2027-W03"), TODAY)

    assert planned[0].wanted_week == "2027-W03"


def test_current_week_is_accepted_up_to_its_sunday_and_refused_on_the_next_monday() -> None:
    sunday, next_monday = dt.date(2027, 1, 24), dt.date(2027, 1, 25)

    assert len(plan_order(CATALOGUE, line(wanted_week="2027-W03"), sunday)) == 1
    assert fields_of(refusal(line(wanted_week="2027-W03"), next_monday)) == ["wanted_week"]


def test_order_number_is_the_year_and_a_seven_digit_sequence() -> None:
    assert order_number(2026, 42) == "ORD-2026-0000042"
    assert order_number(2027, 1) == "ORD-2027-0000001"
    assert order_number(2027, 9_999_999) == "ORD-2027-9999999"


def test_order_numbers_of_one_year_sort_in_sequence_order() -> None:
    numbers = [order_number(2026, sequence) for sequence in (9, 10, 100, 1_000_000)]

    assert sorted(numbers) == numbers
    assert all(re.fullmatch(r"ORD-2026-\d{7}", number) for number in numbers)


def test_pending_car_with_a_reserved_vin_comes_from_stock() -> None:
    assert supply_after_reservation(Supply.PENDING, "WVWZZZ1JZXW000001") is Supply.RESERVED_FROM_STOCK


@pytest.mark.parametrize("vin", [None, ""])
def test_pending_car_without_a_vin_is_to_be_built(vin: str | None) -> None:
    assert supply_after_reservation(Supply.PENDING, vin) is Supply.TO_BE_BUILT


@pytest.mark.parametrize("settled", [Supply.RESERVED_FROM_STOCK, Supply.TO_BE_BUILT])
@pytest.mark.parametrize("vin", [None, "WVWZZZ1JZXW000002"])
def test_a_later_answer_changes_nothing_once_supply_is_settled(settled: Supply, vin: str | None) -> None:
    assert supply_after_reservation(settled, vin) is settled


# --- Options -------------------------------------------------------------------------------


def test_options_add_their_list_prices_to_the_trims() -> None:
    [car] = plan_order(CATALOGUE, line(option_codes=("TOWBAR", "SUNROOF")), TODAY)

    assert car.list_price_minor == 3_990_000 + 90_000 + 45_000
    assert car.option_codes == ("SUNROOF", "TOWBAR")


def test_an_option_on_every_trim_is_accepted_on_the_base_trim() -> None:
    [car] = plan_order(CATALOGUE, line(trim_code="BASE", option_codes=("TOWBAR",)), TODAY)

    assert car.list_price_minor == 3_190_000 + 45_000


def test_option_not_offered_on_the_chosen_trim_names_the_option_and_the_trim() -> None:
    exc = refusal(line(trim_code="BASE", option_codes=("SUNROOF",)))

    assert fields_of(exc) == ["option_codes"]
    message = message_for(exc, "option_codes")
    assert "SUNROOF" in message
    assert "BASE trim of AURA" in message
    assert "offered on: SPORT" in message


def test_unknown_option_names_the_option_and_lists_the_models_options() -> None:
    exc = refusal(line(option_codes=("JETPACK",)))

    assert fields_of(exc) == ["option_codes"]
    assert message_for(exc, "option_codes") == "option 'JETPACK' is not offered on AURA (offered: SUNROOF, TOWBAR)"


def test_option_of_another_model_is_unknown_on_this_one() -> None:
    exc = refusal(line(model_code="TERRA", trim_code="BASE", colour_code="GRN", option_codes=("TOWBAR",)))

    assert "not offered on TERRA (offered: none)" in message_for(exc, "option_codes")


def test_an_option_given_twice_is_refused() -> None:
    exc = refusal(line(option_codes=("TOWBAR", "TOWBAR")))

    assert fields_of(exc) == ["option_codes"]
    assert message_for(exc, "option_codes") == "option 'TOWBAR' is given more than once"


def test_every_bad_option_is_reported_with_the_other_fields() -> None:
    exc = refusal(line(trim_code="BASE", option_codes=("SUNROOF", "JETPACK"), quantity=0))

    assert fields_of(exc) == ["option_codes", "option_codes", "quantity"]


def test_no_options_price_is_the_trims() -> None:
    [car] = plan_order(CATALOGUE, line(option_codes=()), TODAY)

    assert (car.list_price_minor, car.option_codes) == (3_990_000, ())


# --- Amendments ----------------------------------------------------------------------------

PLACED = plan_order(CATALOGUE, line(wanted_week="2027-W05", option_codes=("TOWBAR",)), TODAY)[0]


def test_amendment_changes_only_the_fields_given_and_is_priced_from_the_catalogue() -> None:
    amended = plan_amendment(CATALOGUE, PLACED, Amendment(option_codes=("SUNROOF", "TOWBAR")), TODAY)

    assert (amended.colour_code, amended.wanted_week) == ("WHT", "2027-W05")
    assert amended.option_codes == ("SUNROOF", "TOWBAR")
    assert amended.list_price_minor == 3_990_000 + 90_000 + 45_000


def test_amendment_can_drop_every_option_and_the_wanted_week() -> None:
    amended = plan_amendment(CATALOGUE, PLACED, Amendment(option_codes=(), wanted_week=""), TODAY)

    assert (amended.option_codes, amended.wanted_week, amended.list_price_minor) == ((), "", 3_990_000)


def test_amendment_is_checked_against_the_catalogue() -> None:
    with pytest.raises(ValidationFailed) as exc:
        plan_amendment(CATALOGUE, PLACED, Amendment(colour_code="GRN", wanted_week="2027-W01"), TODAY)

    assert fields_of(exc.value) == ["colour_code", "wanted_week"]


def test_a_wanted_week_left_unchanged_is_not_refused_for_having_passed() -> None:
    much_later = dt.date(2027, 3, 1)

    amended = plan_amendment(CATALOGUE, PLACED, Amendment(colour_code="BLK"), much_later)

    assert (amended.colour_code, amended.wanted_week) == ("BLK", "2027-W05")


def test_empty_amendment_is_refused() -> None:
    with pytest.raises(ValidationFailed) as exc:
        plan_amendment(CATALOGUE, PLACED, Amendment(), TODAY)

    assert fields_of(exc.value) == ["body"]


# --- Idempotency keys and large orders -------------------------------------------------


def test_fingerprint_ignores_the_order_of_options_but_not_their_choice() -> None:
    base = request_fingerprint(line(option_codes=("SUNROOF", "TOWBAR")))

    assert request_fingerprint(line(option_codes=("TOWBAR", "SUNROOF"))) == base
    assert request_fingerprint(line(option_codes=("TOWBAR",))) != base
    assert request_fingerprint(line(option_codes=("SUNROOF", "TOWBAR"), quantity=2)) != base


@pytest.mark.parametrize("key", ["k" * 101, "two words", "tab\there", "ключ"])
def test_idempotency_key_too_long_or_not_printable_ascii_is_refused(key: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        check_idempotency_key(key)

    assert fields_of(exc.value) == ["idempotency_key"]


@pytest.mark.parametrize("key", ["", "0b0f7c1e-8a2b-4a59-9a9e-2f1d3c7b5e10", "k" * 100])
def test_idempotency_key_may_be_empty_or_up_to_a_hundred_characters(key: str) -> None:
    assert check_idempotency_key(key) == key


def cars(count: int, price: int = 3_000_000) -> list[PlannedVehicle]:
    return [PlannedVehicle("AURA", "SPORT", "WHT", "", price, "EUR")] * count


def test_an_order_of_up_to_the_limit_of_vehicles_is_not_large() -> None:
    assert large_order_reason(cars(10), LargeOrderLimits(vehicles=10, value_minor=10**12)) is None


def test_an_order_over_the_vehicle_limit_is_large() -> None:
    reason = large_order_reason(cars(11), LargeOrderLimits(vehicles=10, value_minor=10**12))

    assert reason == "11 x AURA SPORT worth 330,000.00 EUR: more than 10 vehicles"


def test_an_order_over_the_value_limit_is_large() -> None:
    reason = large_order_reason(cars(2, price=30_000_000), LargeOrderLimits(vehicles=10, value_minor=50_000_000))

    assert reason == "2 x AURA SPORT worth 600,000.00 EUR: worth more than 500,000.00 EUR"


def test_an_order_over_both_limits_names_both() -> None:
    reason = large_order_reason(cars(3), LargeOrderLimits(vehicles=2, value_minor=100))

    assert reason is not None and reason.endswith("more than 2 vehicles and worth more than 1.00 EUR")


# --- Review, scheduling, VINs ----------------------------------------------------------


def test_allocation_month_is_the_year_and_month() -> None:
    assert allocation_month(dt.date(2027, 1, 31)) == "2027-01"
    assert allocation_month(dt.date(2026, 12, 1)) == "2026-12"


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_reason_is_required_and_bounded(reason: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        check_reason(reason)

    assert fields_of(exc.value) == ["reason"]


def test_reason_is_kept_with_its_spacing_tidied() -> None:
    assert check_reason("  Customer   withdrew\n") == "Customer withdrew"


def test_customer_id_must_be_a_customer_master_id() -> None:
    assert check_customer_id(" 6F1C1A52-52C4-4A53-9A7B-3CB0F0C6A7A1 ") == "6f1c1a52-52c4-4a53-9a7b-3cb0f0c6a7a1"
    with pytest.raises(ValidationFailed) as exc:
        check_customer_id("CUST-42")
    assert fields_of(exc.value) == ["customer_id"]


def test_schedule_into_a_known_plant_and_a_current_or_future_week() -> None:
    assert check_schedule("SH1", "2027-W03", TODAY) is PLANTS["SH1"]
    assert check_schedule("WH2", "2027-W40", TODAY).name == "Wuhan"


def test_schedule_names_an_unknown_plant_and_a_past_week() -> None:
    with pytest.raises(ValidationFailed) as exc:
        check_schedule("XX9", "2027-W02", TODAY)

    assert fields_of(exc.value) == ["plant_code", "week"]
    assert "unknown plant 'XX9' (plants: CQ3, SH1, SY4, WH2)" in str(exc.value)
    assert "2027-W02 is already past" in str(exc.value)


def test_schedule_refuses_a_week_not_written_as_an_iso_week() -> None:
    with pytest.raises(ValidationFailed) as exc:
        check_schedule("SH1", "next week", TODAY)

    assert fields_of(exc.value) == ["week"]


@pytest.mark.parametrize(
    ("year", "code"), [(2010, "A"), (2018, "J"), (2026, "T"), (2027, "V"), (2030, "Y"), (2031, "1")]
)
def test_model_year_codes_follow_iso_3779(year: int, code: str) -> None:
    assert model_year_code(year) == code


def test_serial_is_the_last_six_digits_of_the_order_number() -> None:
    assert vin_serial("ORD-2027-0000042") == 42
    assert vin_serial("ORD-2027-1234567") == 234567


def test_built_vin_is_valid_and_says_maker_model_trim_year_plant_and_serial() -> None:
    vin = build_vin(PLANTS["SH1"], "AUR", "SPORT", 2027, 42)

    assert vin_problem(vin) is None
    assert vin[:3] == "LDN"
    assert vin[3:8] == "AURSP"
    assert vin[9:11] == "VS"
    assert vin[11:] == "000042"


def test_vin_never_carries_i_o_or_q_whatever_the_codes() -> None:
    vin = build_vin(PLANTS["WH2"], "QIO", "O", 2026, 999_999)

    assert vin_problem(vin) is None
    assert not set("IOQ") & set(vin)
    assert vin[3:8] == "01000"


def test_cars_of_different_orders_get_different_vins() -> None:
    vins = {build_vin(PLANTS["SH1"], "AUR", "LX", 2027, vin_serial(order_number(2027, n))) for n in range(1, 200)}

    assert len(vins) == 199
    assert all(vin_problem(vin) is None for vin in vins)
