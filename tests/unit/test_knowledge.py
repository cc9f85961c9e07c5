"""The knowledge base's rules that need no database: drafts, feedback, a VIN's model year."""

from __future__ import annotations

import pytest

from plumbing.errors import ValidationFailed
from station_service.knowledge import (
    SUGGESTION_MAX_WORDS,
    ArticleDraft,
    check_draft,
    feedback_factor,
    model_year_of_vin,
    or_query,
    significant_words,
    vin_serial,
)


def draft(**changes: object) -> ArticleDraft:
    fields: dict[str, object] = {
        "kind": "article",
        "title": "Misfire on cylinder 1 after injector swap",
        "symptoms": "Rough idle.",
        "solution": "Replace the injector seal.",
    }
    fields.update(changes)
    return ArticleDraft(**fields)


def bulletin(**changes: object) -> ArticleDraft:
    fields: dict[str, object] = {"kind": "bulletin", "bulletin_number": "TSB-24-001", "model_codes": ("AUR",)}
    fields.update(changes)
    return draft(**fields)


def violated(candidate: ArticleDraft) -> set[str]:
    with pytest.raises(ValidationFailed) as caught:
        check_draft(candidate)
    return {v.field for v in caught.value.violations}


def test_a_draft_is_trimmed_and_its_codes_normalised() -> None:
    checked = check_draft(
        draft(
            kind=" Article ",
            title="  Misfire on cylinder 1  ",
            dtc_codes=("p0301", "P0301", " u0100"),
            model_codes=(" aur", "AUR", "ter"),
            year_from=2022,
            year_to=2024,
        )
    )
    assert checked.kind == "article"
    assert checked.title == "Misfire on cylinder 1"
    assert checked.dtc_codes == ("P0301", "U0100")
    assert checked.model_codes == ("AUR", "TER")


def test_every_problem_is_named_at_once() -> None:
    assert violated(
        ArticleDraft(
            kind="memo",
            title="abc",
            symptoms="",
            solution=" ",
            dtc_codes=("X1234",),
            model_codes=("A UR",),
            year_from=1970,
            year_to=2200,
        )
    ) == {"kind", "title", "solution", "dtc_codes", "model_codes", "year_from", "year_to"}


@pytest.mark.parametrize("length", [4, 301])
def test_a_title_is_five_to_three_hundred_characters(length: int) -> None:
    assert violated(draft(title="x" * length)) == {"title"}


def test_years_run_forwards() -> None:
    assert violated(draft(year_from=2025, year_to=2024)) == {"year_to"}
    assert check_draft(draft(year_from=2024, year_to=2024)).year_to == 2024
    assert check_draft(draft(year_from=2024)).year_to is None


def test_a_bulletin_needs_its_number_and_what_it_applies_to() -> None:
    assert violated(bulletin(bulletin_number=" ", model_codes=())) == {"bulletin_number", "model_codes"}
    assert check_draft(bulletin(model_codes=(), vin_prefix="ldnaura10sb")).vin_prefix == "LDNAURA10SB"
    assert check_draft(bulletin(bulletin_number=" tsb-7 ")).bulletin_number == "TSB-7"


def test_a_vin_range_is_eleven_vin_characters_and_ordered_serials() -> None:
    assert violated(bulletin(vin_prefix="LDNAURA10S")) == {"vin_prefix"}
    assert violated(bulletin(vin_prefix="LDNAURA1OSB")) == {"vin_prefix"}
    assert violated(bulletin(vin_prefix="LDNAURA10SB", serial_from=2000, serial_to=1000)) == {"serial_to"}
    assert violated(bulletin(serial_from=1000)) == {"vin_prefix"}
    assert violated(bulletin(vin_prefix="LDNAURA10SB", serial_to=1_000_000)) == {"serial_to"}
    checked = check_draft(bulletin(vin_prefix="LDNAURA10SB", serial_from=1000, serial_to=1999))
    assert (checked.serial_from, checked.serial_to) == (1000, 1999)


def test_only_a_bulletin_carries_a_number_or_a_vin_range() -> None:
    assert violated(draft(bulletin_number="TSB-1", vin_prefix="LDNAURA10SB", serial_from=1)) == {
        "bulletin_number",
        "vin_prefix",
        "serial_from",
    }


def test_feedback_is_neutral_without_votes_and_bounded() -> None:
    assert feedback_factor(0, 0) == 1.0
    assert 1.0 < feedback_factor(1, 0) < feedback_factor(10, 0) < 1.5
    assert 0.5 < feedback_factor(0, 10) < feedback_factor(0, 1) < 1.0
    assert feedback_factor(5, 5) == 1.0
    assert feedback_factor(1, 0) == pytest.approx(1.1)


@pytest.mark.parametrize(
    ("code", "latest", "year"),
    [("R", 2027, 2024), ("S", 2027, 2025), ("T", 2027, 2026), ("A", 2027, 2010), ("Y", 2027, 2000), ("1", 2027, 2001)],
)
def test_the_model_year_is_position_ten(code: str, latest: int, year: int) -> None:
    assert model_year_of_vin(f"LDNAURA10{code}B001500", latest) == year


def test_the_year_letters_repeat_every_thirty_years() -> None:
    assert model_year_of_vin("LDNAURA10AB001500", 2040) == 2040
    assert model_year_of_vin("LDNAURA10AB001500", 2039) == 2010
    assert model_year_of_vin("LDNAURA10ZB001500", 2027) is None
    assert model_year_of_vin("LDNAURA10", 2027) is None


def test_a_serial_is_the_last_six_when_they_are_digits() -> None:
    assert vin_serial("LDNAURA10SB001500") == 1500
    assert vin_serial("LDNAURA10SBA01500") is None


def test_an_or_query_quotes_each_lexeme_once() -> None:
    assert or_query(["misfir", "p0301", "misfir", "o'brien"]) == "'misfir' | 'p0301' | 'o''brien'"
    assert or_query([]) is None


def test_significant_words_take_the_subject_then_the_commonest_of_the_description() -> None:
    words = significant_words(["turbocharg", "whistl", "1"], [("boost", 1), ("whistl", 3), ("low", 2), ("42", 5)])
    assert words == ["turbocharg", "whistl", "low", "boost"]
    many = significant_words([], [(f"word{n}", n) for n in range(100)])
    assert len(many) == SUGGESTION_MAX_WORDS
    assert many[0] == "word99"
