"""Recognising one customer in two records, and segmenting customers, without a database."""

from __future__ import annotations

import datetime as dt

import pytest

from customer_service import domain, matching
from customer_service.matching import Decision, Identity

NOW = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)


def person(name: str, *, phone: str = "", email: str = "", national_id: str = "", city: str = "Wuhan") -> Identity:
    return Identity(
        name_key=matching.name_key(name),
        phones=frozenset([phone] if phone else []),
        emails=frozenset([email] if email else []),
        national_id=matching.national_id_key(national_id),
        city=city,
    )


@pytest.mark.parametrize(
    ("raw", "key"),
    [(" Zoë  O'Brien ", "zoe o brien"), ("LI Wei", "li wei"), ("Müller-Lüdenscheidt", "muller ludenscheidt")],
)
def test_names_are_compared_without_accents_case_or_punctuation(raw: str, key: str) -> None:
    assert matching.name_key(raw) == key


def test_a_companys_legal_form_does_not_tell_it_apart() -> None:
    assert matching.name_key("Harbour Logistics Co., Ltd.", company=True) == "harbour logistics"
    assert matching.name_key("Harbour Logistics GmbH", company=True) == "harbour logistics"


def test_trigram_similarity_agrees_with_pg_trgm_on_known_values() -> None:
    # From PostgreSQL: similarity('li wei', 'li wie') = 0.4, ('word', 'two words') = 0.36363637,
    # ('jonathan smith', 'jonathon smith') = 0.6666667
    assert matching.name_similarity("li wei", "li wie") == pytest.approx(0.4, abs=1e-6)
    assert matching.name_similarity("jonathan smith", "jonathon smith") == pytest.approx(0.6666667, abs=1e-6)
    assert matching.name_similarity("word", "two words") == pytest.approx(0.36363637, abs=1e-6)
    assert matching.name_similarity("", "li wei") == 0.0


def test_the_same_official_id_is_the_same_customer_whatever_the_spelling() -> None:
    match = matching.compare(
        person("Li Wei", national_id="4201-0619 8503 1234"), person("Lee Way", national_id="420106198503 1234")
    )
    assert match.decision is Decision.CLEAR and "national_id" in match.reasons


def test_two_different_official_ids_are_two_customers() -> None:
    match = matching.compare(
        person("Li Wei", phone="+8613800138000", national_id="A1"),
        person("Li Wei", phone="+8613800138000", national_id="B2"),
    )
    assert match.decision is Decision.DIFFERENT


def test_a_shared_phone_with_the_same_name_in_any_order_is_clear() -> None:
    match = matching.compare(person("Wei Li", phone="+8613800138000"), person("Li Wei", phone="+8613800138000"))
    assert match.decision is Decision.CLEAR and match.reasons[0] == "phone"


def test_a_shared_phone_under_another_name_is_doubtful() -> None:
    match = matching.compare(person("Zhang Min", phone="+8613800138000"), person("Li Wei", phone="+8613800138000"))
    assert match.decision is Decision.DOUBTFUL


def test_a_look_alike_name_in_the_same_city_is_doubtful_elsewhere_different() -> None:
    assert matching.compare(person("Jonathan Smith"), person("Jonathon Smith")).decision is Decision.DOUBTFUL
    elsewhere = matching.compare(person("Jonathan Smith"), person("Jonathon Smith", city="Harbin"))
    assert elsewhere.decision is Decision.DIFFERENT


def test_alike_names_with_different_phones_are_two_people() -> None:
    match = matching.compare(person("Zhang Wei", phone="+8613800000001"), person("Zhang Wen", phone="+8613900000002"))
    assert match.decision is Decision.DIFFERENT


def test_the_strongest_match_wins_clear_before_doubtful() -> None:
    doubtful = matching.Match(Decision.DOUBTFUL, 0.5, ())
    clear = matching.Match(Decision.CLEAR, 0.7, ())
    assert matching.best([(doubtful, "a"), (clear, "b")]) == (clear, "b")
    assert matching.best([(matching.Match(Decision.DIFFERENT, 0.1, ()), "c")]) is None


def test_contacts_are_masked_enough_to_recognise_not_to_use() -> None:
    assert matching.mask_phone("+8613800138000") == "+86*******8000"
    assert matching.mask_email("li.wei@example.com") == "l*****@example.com"
    assert matching.mask_phone(None) == matching.mask_email("") == ""


def test_a_registration_with_only_an_official_id_can_be_recognised_again() -> None:
    registration = domain.normalise_registration(
        domain.RegistrationForm(full_name="Harbour Logistics Ltd", kind="company", national_id="91-310000-MA1FL")
    )
    assert registration.national_id == "91310000MA1FL" and registration.name_key == "harbour logistics"


def test_a_registration_names_an_unknown_kind_and_consent_channel() -> None:
    with pytest.raises(Exception) as refused:
        domain.normalise_registration(
            domain.RegistrationForm(full_name="Li Wei", phone="+8613800138000", kind="robot", consents=("fax",))
        )
    assert sorted(v.field for v in refused.value.violations) == ["consents", "kind"]  # type: ignore[attr-defined]


def test_segments_follow_purchases_and_service() -> None:
    prospect = domain.Activity()
    recent_buyer = domain.Activity(
        purchases=1, purchase_value_minor=2_500_000, last_purchase_at=NOW - dt.timedelta(days=30)
    )
    loyal = domain.Activity(
        purchases=3, purchase_value_minor=7_500_000, last_purchase_at=NOW - dt.timedelta(days=100), services=4
    )
    lapsed = domain.Activity(
        purchases=1, purchase_value_minor=2_000_000, last_purchase_at=NOW - dt.timedelta(days=2000)
    )

    assert domain.segment(prospect, NOW) is domain.Segment.POTENTIAL and domain.value_tier(prospect, NOW) == "C"
    assert domain.segment(recent_buyer, NOW) is domain.Segment.TARGET and domain.value_tier(recent_buyer, NOW) == "B"
    assert domain.segment(loyal, NOW) is domain.Segment.KEY and domain.value_tier(loyal, NOW) == "A"
    assert domain.segment(lapsed, NOW) is domain.Segment.POTENTIAL
    assert domain.segment(domain.Activity(fleet=True), NOW) is domain.Segment.KEY
