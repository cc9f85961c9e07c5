"""The knowledge base against the real PostgreSQL: full-text ranking, filters, drafts and
review, stations' feedback, bulletins by VIN, and suggestions for a new request."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from concurrent import futures

import pytest
from sqlalchemy import select, text

from plumbing.db import Database
from plumbing.errors import NotFound, Refused, ValidationFailed
from plumbing.principal import Principal, Role
from plumbing.vin import vin_check_digit
from station_service import knowledge
from station_service.knowledge import ArticleDraft
from station_service.models import ArticleFeedbackRow, ArticleRow, SupportRequestRow, tables

pytestmark = pytest.mark.integration

AUTHOR = Principal(subject="author@hq", role=Role.HQ)
REVIEWER = Principal(subject="reviewer@hq", role=Role.HQ)
OPS = Principal(subject="ops@hq", role=Role.OPS)
STATION = Principal(subject="advisor@S001", role=Role.STATION, org_code="S001", region="EAST")
DEALER = Principal(subject="sales@D001", role=Role.DEALER, org_code="D001")
NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
STATION_TABLES = (
    "kb_feedback, kb_articles, request_escalations, request_messages, repairs, support_requests, target_rules, outbox"
)


@pytest.fixture(scope="module")
def database(fresh_database: Callable[[str], str]) -> Iterator[Database]:
    db = Database("station", fresh_database("station"), tables, pool_size=4)
    yield db
    db.engine.dispose()


@pytest.fixture(autouse=True)
def empty_tables(database: Database) -> None:
    with database.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {STATION_TABLES} CASCADE"))


def station(code: str) -> Principal:
    return Principal(subject=f"advisor@{code}", role=Role.STATION, org_code=code, region="EAST")


def vin(prefix: str, serial: int) -> str:
    """A valid VIN: `prefix` is its first 11 characters (position 9 is replaced by the check digit)."""
    draft = f"{prefix}{serial:06d}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]


def article(
    title: str, symptoms: str = "", solution: str = "Follow the repair manual.", **fields: object
) -> ArticleDraft:
    return ArticleDraft(
        kind=str(fields.pop("kind", "article")), title=title, symptoms=symptoms, solution=solution, **fields
    )


def draft(database: Database, content: ArticleDraft, author: Principal = AUTHOR) -> str:
    with database.unit_of_work() as uow:
        row = knowledge.draft_article(uow, author, content)
        uow.commit()
        return str(row.id)


def publish(database: Database, content: ArticleDraft, when: dt.datetime = NOW) -> str:
    article_id = draft(database, content)
    with database.unit_of_work() as uow:
        knowledge.publish_article(uow, REVIEWER, article_id, when)
        uow.commit()
    return article_id


def search(
    database: Database,
    principal: Principal = STATION,
    *,
    query: str = "",
    dtc_code: str = "",
    model_code: str = "",
    model_year: int = 0,
    kind: str = "",
    include_drafts: bool = False,
    limit: int = 20,
) -> list[tuple[str, float]]:
    with database.unit_of_work() as uow:
        found = knowledge.search_articles(
            uow,
            principal,
            query=query,
            dtc_code=dtc_code,
            model_code=model_code,
            model_year=model_year,
            kind=kind,
            include_drafts=include_drafts,
            offset=0,
            limit=limit,
        )
        return [(row.title, rank) for row, rank in found]


def titles(found: list[tuple[str, float]]) -> list[str]:
    return [title for title, _ in found]


def rate(database: Database, principal: Principal, article_id: str, solved: bool) -> ArticleRow:
    with database.unit_of_work() as uow:
        row = knowledge.rate_article(uow, principal, article_id, solved, "")
        uow.commit()
        return row


def insert_request(
    database: Database,
    *,
    subject: str,
    description: str,
    status: str = "resolved",
    resolution: str | None = "Replaced the part.",
    dtc_codes: tuple[str, ...] = (),
    model_code: str | None = None,
    model_year: int | None = None,
    station_code: str = "S001",
) -> uuid.UUID:
    key = uuid.uuid4()
    with database.unit_of_work() as uow:
        uow.session.add(
            SupportRequestRow(
                id=key,
                station_code=station_code,
                vin=vin("LDNAURA10RB", 1),
                model_code=model_code,
                model_year=model_year,
                subject=subject,
                description=description,
                dtc_codes=list(dtc_codes),
                priority="normal",
                status=status,
                opened_by=f"advisor@{station_code}",
                opened_at=NOW,
                first_response_due=NOW + dt.timedelta(hours=8),
                resolution_due=NOW + dt.timedelta(hours=72),
                resolution=resolution,
                resolved_at=NOW + dt.timedelta(hours=5) if status in ("resolved", "closed") else None,
            )
        )
        uow.commit()
    return key


# --- Ranking -------------------------------------------------------------------------------------------


def test_a_word_in_the_title_ranks_above_the_same_word_in_the_body(database: Database) -> None:
    publish(database, article("Coolant leak at the water pump", "Puddle under the car after parking."))
    publish(database, article("Puddle under the engine bay", "Coolant drips from the hose clamp."))
    publish(database, article("Brake squeal at low speed", "Noise when braking gently."))

    found = search(database, query="coolant")

    assert titles(found) == ["Coolant leak at the water pump", "Puddle under the engine bay"]
    assert found[0][1] > found[1][1] > 0


def test_every_word_must_match_and_stems_match_inflections(database: Database) -> None:
    publish(database, article("Engine misfires on cold start", "Rough running until warm."))
    publish(database, article("Engine stalls at idle", "Cuts out when stopping."))

    assert titles(search(database, query="misfiring engine")) == ["Engine misfires on cold start"]
    assert titles(search(database, query="engine -misfire")) == ["Engine stalls at idle"]
    assert search(database, query="transmission") == []


def test_solved_feedback_lifts_an_article_above_an_equal_match(database: Database) -> None:
    first = publish(database, article("Door lock actuator fails", "Central locking misses the driver's door."))
    second = publish(database, article("Door lock actuator sticks", "Central locking misses the driver's door."))
    before = titles(search(database, query="door lock actuator"))

    lifted, sunk = (second, first) if before[0] == "Door lock actuator fails" else (first, second)
    rate(database, station("S001"), lifted, True)
    rate(database, station("S002"), lifted, True)
    rate(database, station("S003"), sunk, False)

    after = search(database, query="door lock actuator")
    with database.unit_of_work() as uow:
        lifted_title = knowledge.get_article(uow, STATION, lifted).title
    assert after[0][0] == lifted_title
    assert after[0][0] != before[0]
    assert after[0][1] > after[1][1]


def test_a_fault_code_is_found_as_a_word_and_as_a_filter(database: Database) -> None:
    publish(database, article("Misfire on cylinder 1", "Rough idle.", dtc_codes=("P0301",)))
    publish(database, article("Random misfire under load", "Hesitation.", dtc_codes=("P0300", "P0301")))
    publish(database, article("Lost communication with ECM", "No start.", dtc_codes=("U0100",)))

    assert set(titles(search(database, query="P0301"))) == {"Misfire on cylinder 1", "Random misfire under load"}
    assert set(titles(search(database, dtc_code="p0301"))) == {"Misfire on cylinder 1", "Random misfire under load"}
    assert titles(search(database, query="misfire", dtc_code="P0300")) == ["Random misfire under load"]
    assert titles(search(database, query="communication", dtc_code="P0301")) == []


def test_without_words_the_newest_come_first_with_rank_zero(database: Database) -> None:
    publish(database, article("Older article on wipers", "Streaks."), when=NOW)
    publish(database, article("Newer article on wipers", "Judder."), when=NOW + dt.timedelta(days=1))

    found = search(database)

    assert found == [("Newer article on wipers", 0.0), ("Older article on wipers", 0.0)]


# --- Filters -------------------------------------------------------------------------------------------


def test_filters_by_model_year_and_kind(database: Database) -> None:
    publish(
        database, article("Window regulator noise AUR", "Clicks.", model_codes=("AUR",), year_from=2022, year_to=2024)
    )
    publish(database, article("Window regulator noise TER", "Clicks.", model_codes=("TER",)))
    publish(database, article("Window regulator noise any model", "Clicks."))
    publish(
        database,
        article(
            "Window regulator campaign", "Clicks.", kind="bulletin", bulletin_number="TSB-24-001", model_codes=("AUR",)
        ),
    )

    aur = set(titles(search(database, query="window regulator", model_code="aur")))
    assert aur == {"Window regulator noise AUR", "Window regulator noise any model", "Window regulator campaign"}
    assert "Window regulator noise AUR" not in titles(
        search(database, query="window", model_code="AUR", model_year=2025)
    )
    assert "Window regulator noise AUR" in titles(search(database, query="window", model_code="AUR", model_year=2023))
    assert titles(search(database, query="window", kind="bulletin")) == ["Window regulator campaign"]
    assert "Window regulator campaign" not in titles(search(database, query="window", kind="article"))


def test_bad_filters_name_their_fields(database: Database) -> None:
    with pytest.raises(ValidationFailed) as caught:
        search(database, query="x", dtc_code="X9999", kind="memo", model_year=1850)
    assert {v.field for v in caught.value.violations} == {"dtc_code", "kind", "model_year"}


# --- Drafts and review -----------------------------------------------------------------------------------


def test_drafts_are_invisible_to_stations_and_dealers(database: Database) -> None:
    draft_id = draft(database, article("Draft on fuel pump relay", "Intermittent no start."))
    publish(database, article("Published on fuel pump relay", "Intermittent no start."))

    assert titles(search(database, STATION, query="fuel pump", include_drafts=True)) == ["Published on fuel pump relay"]
    assert titles(search(database, DEALER, query="fuel pump", include_drafts=True)) == ["Published on fuel pump relay"]
    assert titles(search(database, REVIEWER, query="fuel pump")) == ["Published on fuel pump relay"]
    assert set(titles(search(database, OPS, query="fuel pump", include_drafts=True))) == {
        "Draft on fuel pump relay",
        "Published on fuel pump relay",
    }
    with database.unit_of_work() as uow:
        with pytest.raises(NotFound):
            knowledge.get_article(uow, STATION, draft_id)
        with pytest.raises(NotFound):
            knowledge.get_article(uow, STATION, "not-an-id")
        assert knowledge.get_article(uow, REVIEWER, draft_id).status == "draft"


def test_only_engineers_write_and_an_invalid_draft_names_its_fields(database: Database) -> None:
    with database.unit_of_work() as uow:
        with pytest.raises(Refused):
            knowledge.draft_article(uow, STATION, article("Station's own article", "x"))
        with pytest.raises(ValidationFailed) as caught:
            knowledge.draft_article(uow, AUTHOR, ArticleDraft(kind="bulletin", title="TSB", symptoms="", solution=""))
    assert {v.field for v in caught.value.violations} == {"title", "solution", "bulletin_number", "model_codes"}


def test_a_bulletin_number_is_used_once(database: Database) -> None:
    publish(database, article("First bulletin", kind="bulletin", bulletin_number="TSB-1", model_codes=("AUR",)))
    with database.unit_of_work() as uow, pytest.raises(ValidationFailed) as caught:
        knowledge.draft_article(
            uow, AUTHOR, article("Second bulletin", kind="bulletin", bulletin_number="tsb-1", model_codes=("AUR",))
        )
    assert caught.value.violations[0].field == "bulletin_number"


def test_publishing_needs_another_engineer_and_records_the_event(database: Database) -> None:
    article_id = draft(
        database, article("Headlamp condensation", "Fog inside the lamp.", dtc_codes=("B1A00",), model_codes=("TER",))
    )
    with database.unit_of_work() as uow:
        with pytest.raises(Refused, match="another engineer's review"):
            knowledge.publish_article(uow, AUTHOR, article_id, NOW)
        with pytest.raises(Refused):
            knowledge.publish_article(uow, STATION, article_id, NOW)

    with database.unit_of_work() as uow:
        row = knowledge.publish_article(uow, REVIEWER, article_id, NOW)
        uow.commit()
    assert (row.status, row.published_by, row.published_at) == ("published", REVIEWER.subject, NOW)

    with database.unit_of_work() as uow:
        with pytest.raises(Refused):
            knowledge.publish_article(uow, REVIEWER, article_id, NOW)
        events = uow.session.execute(select(tables.outbox.c.event_type, tables.outbox.c.payload)).all()
    assert [event_type for event_type, _ in events] == ["kb.article_published"]
    payload = events[0][1]
    assert payload["version"] == 1
    assert payload["data"] == {
        "id": article_id,
        "kind": "article",
        "title": "Headlamp condensation",
        "dtc_codes": ["B1A00"],
        "model_codes": ["TER"],
        "bulletin_number": None,
    }


def test_a_resolved_request_becomes_one_draft(database: Database) -> None:
    request_id = insert_request(
        database,
        subject="Hard start after refuelling",
        description="Long crank after filling up; fine otherwise.",
        resolution="Replaced the purge valve, stuck open.",
        dtc_codes=("P0455", "P0441"),
        model_code="VLT",
        model_year=2025,
    )
    with database.unit_of_work() as uow:
        row = knowledge.draft_from_request(uow, AUTHOR, str(request_id))
        uow.commit()
    assert (row.kind, row.status, row.author, row.source_request_id) == ("article", "draft", AUTHOR.subject, request_id)
    assert (row.title, row.symptoms, row.solution) == (
        "Hard start after refuelling",
        "Long crank after filling up; fine otherwise.",
        "Replaced the purge valve, stuck open.",
    )
    assert (row.dtc_codes, row.model_codes, row.year_from, row.year_to) == (["P0455", "P0441"], ["VLT"], 2025, 2025)

    with database.unit_of_work() as uow:
        again = knowledge.draft_from_request(uow, REVIEWER, str(request_id))
        uow.commit()
        count = uow.session.scalar(select(text("count(*)")).select_from(ArticleRow))
    assert again.id == row.id
    assert count == 1


def test_an_unsolved_request_does_not_become_an_article(database: Database) -> None:
    open_id = insert_request(database, subject="Still open request", description="x", status="open", resolution=None)
    with database.unit_of_work() as uow:
        with pytest.raises(Refused):
            knowledge.draft_from_request(uow, AUTHOR, str(open_id))
        with pytest.raises(Refused):
            knowledge.draft_from_request(uow, STATION, str(open_id))
        with pytest.raises(NotFound):
            knowledge.draft_from_request(uow, AUTHOR, str(uuid.uuid4()))


# --- Feedback ----------------------------------------------------------------------------------------


def test_a_second_vote_replaces_the_first(database: Database) -> None:
    article_id = publish(database, article("Infotainment reboots", "Screen goes black."))

    assert (rate(database, station("S001"), article_id, True).solved_count, 1) == (1, 1)
    row = rate(database, station("S002"), article_id, True)
    assert (row.solved_count, row.not_solved_count) == (2, 0)
    row = rate(database, station("S001"), article_id, False)
    assert (row.solved_count, row.not_solved_count) == (1, 1)
    with database.unit_of_work() as uow:
        votes = uow.session.execute(select(ArticleFeedbackRow.station_code, ArticleFeedbackRow.solved)).all()
        with pytest.raises(Refused):
            knowledge.rate_article(uow, REVIEWER, article_id, True, "")
        with pytest.raises(ValidationFailed):
            knowledge.rate_article(uow, STATION, article_id, True, str(uuid.uuid4()))
    assert sorted(votes) == [("S001", False), ("S002", True)]


def test_concurrent_votes_keep_the_counts_equal_to_the_votes(database: Database) -> None:
    article_id = publish(database, article("Parking sensor false alarm", "Beeps with nothing behind."))
    codes = [f"S{number:03d}" for number in range(12)]

    def vote(code: str) -> None:
        rate(database, station(code), article_id, True)
        rate(database, station(code), article_id, code.endswith(("0", "2", "4")))

    with futures.ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(vote, codes))

    with database.unit_of_work() as uow:
        row = knowledge.get_article(uow, STATION, article_id)
    solved = sum(code.endswith(("0", "2", "4")) for code in codes)
    assert (row.solved_count, row.not_solved_count) == (solved, len(codes) - solved)


def test_drafts_cannot_be_rated(database: Database) -> None:
    draft_id = draft(database, article("Draft to rate", "x"))
    with database.unit_of_work() as uow, pytest.raises(NotFound):
        knowledge.rate_article(uow, STATION, draft_id, True, "")


# --- Bulletins by VIN ------------------------------------------------------------------------------------


def test_bulletins_apply_by_vin_range_and_by_model_and_year(database: Database) -> None:
    car = vin("LDNAURA10SB", 1500)  # model year 'S' = 2025
    publish(
        database,
        article(
            "Range bulletin",
            kind="bulletin",
            bulletin_number="TSB-R",
            vin_prefix=vin("LDNAURA10SB", 0)[:11],
            serial_from=1000,
            serial_to=1999,
        ),
    )
    publish(
        database,
        article(
            "Range bulletin, later cars",
            kind="bulletin",
            bulletin_number="TSB-L",
            vin_prefix="LDNAURA10SB",
            serial_from=2000,
        ),
    )
    publish(
        database,
        article(
            "Model bulletin",
            kind="bulletin",
            bulletin_number="TSB-M",
            model_codes=("AUR",),
            year_from=2024,
            year_to=2025,
        ),
    )
    publish(
        database,
        article("Older model bulletin", kind="bulletin", bulletin_number="TSB-O", model_codes=("AUR",), year_to=2023),
    )
    publish(database, article("Other model bulletin", kind="bulletin", bulletin_number="TSB-T", model_codes=("TER",)))
    draft(database, article("Draft bulletin", kind="bulletin", bulletin_number="TSB-D", model_codes=("AUR",)))

    def bulletins(vin_: str, **kwargs: object) -> set[str]:
        with database.unit_of_work() as uow:
            return {row.title for row in knowledge.bulletins_for_vehicle(uow, STATION, vin_, **kwargs)}

    assert bulletins(car, model_code="AUR") == {"Range bulletin", "Model bulletin"}
    assert bulletins(car) == {"Range bulletin"}
    assert bulletins(vin("LDNAURA10SB", 2500), model_code="aur", model_year=2023) == {
        "Range bulletin, later cars",
        "Older model bulletin",
    }
    assert bulletins(vin("LDNAURA10RB", 1500), model_code="TER") == {"Other model bulletin"}
    with database.unit_of_work() as uow, pytest.raises(ValidationFailed) as caught:
        knowledge.bulletins_for_vehicle(uow, STATION, "LDNAURA10SB00150")
    assert caught.value.violations[0].field == "vin"


# --- Suggestions ---------------------------------------------------------------------------------------


def test_suggestions_merge_articles_and_solved_requests_best_first(database: Database) -> None:
    best = publish(
        database,
        article(
            "Turbocharger whistle under boost",
            "Loud whistle from the turbocharger when accelerating; boost pressure low.",
            dtc_codes=("P0299",),
            model_codes=("AUR",),
        ),
    )
    publish(database, article("Whistle from the sunroof seal", "Wind noise at motorway speed."))
    publish(database, article("Seat heater inoperative", "Heater mat open circuit."))
    solved = insert_request(
        database,
        subject="Turbo whistle and low boost",
        description="Whistling noise when accelerating, boost low, P0299 stored.",
        dtc_codes=("P0299",),
        model_code="AUR",
    )
    insert_request(database, subject="Turbo whistle still open", description="Whistle.", status="open", resolution=None)
    new = insert_request(
        database,
        subject="Turbocharger whistle",
        description="The customer hears a whistle when accelerating; underboost code.",
        status="open",
        resolution=None,
    )

    with database.unit_of_work() as uow:
        found = knowledge.suggest(
            uow,
            subject="Turbocharger whistle",
            description="The customer hears a whistle when accelerating; underboost code.",
            dtc_codes=["P0299"],
            model_code="AUR",
            exclude_request_id=new,
        )

    kinds_ids = [(s.kind, s.id) for s in found]
    assert kinds_ids[:2] == [("article", best), ("request", str(solved))] or kinds_ids[:2] == [
        ("request", str(solved)),
        ("article", best),
    ]
    assert "Seat heater inoperative" not in [s.title for s in found]
    assert str(new) not in [s.id for s in found]
    assert "Turbo whistle still open" not in [s.title for s in found]
    assert [s.rank for s in found] == sorted((s.rank for s in found), reverse=True)
    assert found[-1].title == "Whistle from the sunroof seal"


def test_the_same_model_is_suggested_first(database: Database) -> None:
    publish(database, article("Steering rack knock TER", "Knock over bumps.", model_codes=("TER",)))
    publish(database, article("Steering rack knock VLT", "Knock over bumps.", model_codes=("VLT",)))

    def first(model: str) -> str:
        with database.unit_of_work() as uow:
            return knowledge.suggest(
                uow, subject="Steering knock", description="Knock over bumps", dtc_codes=[], model_code=model
            )[0].title

    assert first("TER") == "Steering rack knock TER"
    assert first("VLT") == "Steering rack knock VLT"


def test_nothing_to_search_suggests_nothing(database: Database) -> None:
    publish(database, article("Anything at all", "x"))
    with database.unit_of_work() as uow:
        assert knowledge.suggest(uow, subject="the", description="and of", dtc_codes=[], model_code=None) == []
