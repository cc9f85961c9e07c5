"""The support desk's use cases against the real database, on a clock the tests set: a
request worked from open to closed, the escalation timer, breaches and performance."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterator
from concurrent import futures
from typing import Any

import pika
import pytest
from sqlalchemy import func, select, text

from plumbing.db import Database
from plumbing.errors import NotFound, Refused, ValidationFailed
from plumbing.principal import AccountRole, Principal, Role
from station_service import support
from station_service.domain import RequestDraft
from station_service.models import EscalationRow, SupportRequestRow, TargetRuleRow, tables
from tests.processes import BIN, nameko_service, running, wait_for

pytestmark = pytest.mark.integration

ENGINEER = Principal(subject="eng.chen", role=Role.HQ)
SENIOR = Principal(subject="eng.wu", role=Role.HQ)
S001 = Principal(subject="s001.tech", role=Role.STATION, org_code="S001", region="EAST")
S002 = Principal(subject="s002.tech", role=Role.STATION, org_code="S002", region="NORTH")
DEALER = Principal(subject="d001.sales", role=Role.DEALER, org_code="D001", region="EAST")
T0 = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)
VIN = "1M8GDM9AXKP042788"


@pytest.fixture(scope="module")
def database(fresh_database: Callable[[str], str]) -> Iterator[Database]:
    db = Database("station", fresh_database("station"), tables, pool_size=4)
    yield db
    db.engine.dispose()


@pytest.fixture
def db(database: Database) -> Database:
    with database.engine.begin() as conn:
        conn.execute(text("TRUNCATE support_requests, target_rules, outbox, processed_messages CASCADE"))
    return database


def draft(priority: str = "critical", subject: str = "Misfire on cylinder 1 after injector swap") -> RequestDraft:
    return RequestDraft(
        vin=VIN,
        subject=subject,
        description="Rough idle persists after replacing injector 1; compression is in spec.",
        dtc_codes=["P0301"],
        priority=priority,
    )


def act(db: Database, step: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with db.unit_of_work() as uow:
        result = step(uow, *args, **kwargs)
        uow.commit()
        return result


def opened(db: Database, who: Principal = S001, priority: str = "critical", at: dt.datetime = T0, **facts: Any) -> str:
    row = act(db, support.open_request, who, draft(priority), at, support.VehicleFacts(**facts))
    return str(row.id)


def stored(db: Database, request_id: str) -> SupportRequestRow:
    with db.unit_of_work() as uow:
        return uow.session.get_one(SupportRequestRow, uuid.UUID(request_id))


def events(db: Database, event_type: str) -> list[dict[str, Any]]:
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT payload FROM outbox WHERE event_type = :t ORDER BY seq"), {"t": event_type})
        return [row[0]["data"] for row in rows]


def test_a_request_worked_from_open_to_closed_keeps_its_clock_and_thread(db: Database) -> None:
    request_id = opened(db, model_code="aur", model_year=2024, mileage_km=42_000)
    act(db, support.take_request, ENGINEER, request_id, "", T0 + 0.25 * H)
    act(db, support.post_message, ENGINEER, request_id, "Please send the fuel trim values.", True, T0 + 0.5 * H)
    waiting = stored(db, request_id)
    act(db, support.post_message, S001, request_id, "LTFT +18% bank 1.", False, T0 + 3.5 * H)
    running = stored(db, request_id)
    act(db, support.resolve_request, ENGINEER, request_id, "Replace injector 1 seal; clear adaptations.", T0 + 5 * H)
    act(db, support.close_request, S001, request_id, 5, "fixed", T0 + 6 * H)
    closed = stored(db, request_id)

    assert (waiting.status, waiting.next_escalation_at, waiting.paused_since) == (
        "waiting_on_station",
        None,
        T0 + 0.5 * H,
    )
    assert waiting.first_response_at == T0 + 0.5 * H and waiting.first_response_late is False
    # Critical: 8 hours of counted time; 3 hours waiting on the station move it to 19:00.
    assert running.status == "in_progress" and running.resolution_due == T0 + 11 * H
    assert running.next_escalation_at == T0 + 5 * H  # a quarter of 8 h counted, plus the 3 h waited
    assert (closed.status, closed.rating, closed.resolution_late, closed.engineer) == ("closed", 5, False, "eng.chen")
    assert (closed.model_code, closed.model_year, closed.mileage_km, closed.region) == ("AUR", 2024, 42_000, "EAST")
    with db.unit_of_work() as uow:
        thread = support.list_messages(uow, S001, request_id)
    assert [(m.author_role, m.asks_station) for m in thread] == [("engineer", True), ("station", False)]
    [closing] = events(db, support.SUPPORT_REQUEST_CLOSED)
    assert (closing["request_id"], closing["rating"], closing["resolution"]) == (
        request_id,
        5,
        "Replace injector 1 seal; clear adaptations.",
    )


def test_steps_out_of_turn_or_role_are_refused_and_others_requests_not_found(db: Database) -> None:
    request_id = opened(db)

    with db.unit_of_work() as uow:
        with pytest.raises(Refused, match="only the maker's engineers"):
            support.resolve_request(uow, S001, request_id, "done", T0)
        # An HQ analyst reads the desk's work; only engineers (and HQ admins) do it.
        analyst = Principal.for_account("reader@hq", AccountRole.HQ_ANALYST)
        with pytest.raises(Refused, match="only the maker's engineers"):
            support.resolve_request(uow, analyst, request_id, "done", T0)
        with pytest.raises(NotFound):
            support.post_message(uow, S002, request_id, "hello", False, T0)
        with pytest.raises(NotFound):
            support.get_request(uow, DEALER, request_id)
        with pytest.raises(Refused, match="is open"):
            support.reopen_request(uow, S001, request_id, T0)
        with pytest.raises(ValidationFailed):
            support.close_request(uow, S001, request_id, 9, "", T0)


def test_targets_narrowed_to_a_model_and_region_apply_to_new_requests(db: Database) -> None:
    with db.unit_of_work() as uow:
        uow.session.add(
            TargetRuleRow(priority="normal", model_code="TER", region="EAST", first_response=2 * H, resolution=12 * H)
        )
        uow.commit()

    narrowed = stored(db, opened(db, priority="normal", model_code="TER"))
    default = stored(db, opened(db, priority="normal", model_code="AUR"))

    assert (narrowed.first_response_due, narrowed.resolution_due) == (T0 + 2 * H, T0 + 12 * H)
    assert (default.first_response_due, default.resolution_due) == (T0 + 8 * H, T0 + 72 * H)


def test_the_timer_climbs_each_due_rung_once_with_an_event_for_each(db: Database) -> None:
    critical = opened(db)
    act(db, support.take_request, ENGINEER, critical, "", T0)
    normal = opened(db, priority="normal")

    first = act(db, support.escalate_due, T0 + 2.5 * H)
    again = act(db, support.escalate_due, T0 + 2.5 * H)
    later = act(db, support.escalate_due, T0 + 9 * H)

    assert (first, again, later) == (1, 0, 1)
    climbed = stored(db, critical)
    assert (climbed.escalation_level, climbed.engineer, climbed.next_escalation_at) == (4, None, None)
    assert [(e["level"], e["action"]) for e in events(db, support.SUPPORT_REQUEST_ESCALATED)] == [
        (1, "warn_engineer"),
        (2, "reassign_to_senior_pool"),
        (3, "notify_regional_manager"),
        (4, "notify_duty_manager"),
    ]
    assert stored(db, normal).next_escalation_at == T0 + 54 * H


def test_two_timers_at_once_never_record_a_rung_twice(db: Database) -> None:
    for _ in range(40):
        opened(db)

    def run() -> int:
        total = 0
        while climbed := act(db, support.escalate_due, T0 + 9 * H, batch=7):
            total += climbed
        return total

    with futures.ThreadPoolExecutor(2) as pool:
        totals = list(pool.map(lambda _: run(), range(2)))

    assert sum(totals) == 40
    with db.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(EscalationRow)) == 160


def test_headquarters_sees_breaches_and_requests_about_to_breach(db: Database) -> None:
    late = opened(db, at=T0 - 10 * H)
    soon = opened(db, at=T0 - 6 * H)
    act(db, support.post_message, ENGINEER, soon, "Checking the injector data.", False, T0 - 5.5 * H)
    opened(db, priority="low", at=T0)
    waiting = opened(db, at=T0 - 10 * H)
    act(db, support.post_message, ENGINEER, waiting, "Which software level?", True, T0 - 9.5 * H)

    with db.unit_of_work() as uow:
        found, breached, predicted = support.list_breaches(uow, ENGINEER, T0, horizon=4 * H, offset=0, limit=10)
        with pytest.raises(Refused):
            support.list_breaches(uow, S001, T0, horizon=4 * H, offset=0, limit=10)

    assert [(str(b.request.id), b.state) for b in found] == [(late, "breached"), (soon, "predicted")]
    assert (breached, predicted) == (1, 1)
    assert found[0].first_response_breached and found[0].resolution_breached


def test_performance_by_station_and_engineer(db: Database) -> None:
    for who, rating, resolve_after in ((S001, 5, 2 * H), (S001, 3, 20 * H), (S002, 4, 1 * H)):
        request_id = opened(db, who=who)
        act(db, support.take_request, ENGINEER, request_id, "", T0)
        act(db, support.resolve_request, ENGINEER, request_id, "answer", T0 + resolve_after)
        act(db, support.close_request, who, request_id, rating, "", T0 + resolve_after + H)

    with db.unit_of_work() as uow:
        by_station = {r.key: r for r in support.performance(uow, ENGINEER, "station", T0 - H)}
        [by_engineer] = support.performance(uow, ENGINEER, "engineer", T0 - H)

    assert (by_station["S001"].average_rating, by_station["S001"].resolution_met_percent) == (4.0, 50.0)
    assert (by_station["S002"].closed, by_station["S002"].rated) == (1, 1)
    assert (by_engineer.key, by_engineer.requests, by_engineer.first_response_met_percent) == ("eng.chen", 3, 33.3)


def test_a_reopened_request_is_worked_again_and_climbs_from_where_it_was(db: Database) -> None:
    request_id = opened(db, priority="high")
    act(db, support.take_request, ENGINEER, request_id, "", T0)
    act(db, support.resolve_request, ENGINEER, request_id, "reflash ECU", T0 + 5 * H)
    act(db, support.close_request, S001, request_id, 2, "came back", T0 + 6 * H)

    act(db, support.reopen_request, S001, request_id, T0 + 48 * H)
    reopened = stored(db, request_id)

    assert (reopened.status, reopened.rating, reopened.resolved_at) == ("in_progress", None, None)
    # High: 24 h counted; 5 h used before the resolution; half the target (12 h) is 7 h on.
    assert reopened.next_escalation_at == T0 + 55 * H
    assert [e["request_id"] for e in events(db, support.SUPPORT_REQUEST_REOPENED)] == [request_id]


def test_repairs_and_requests_make_a_cars_history_each_station_its_own(db: Database) -> None:
    request_id = opened(db)
    act(
        db,
        support.record_repair,
        S001,
        vin=VIN.lower(),
        mileage_km=42_100,
        work_done="injector seal",
        request_id=request_id,
        now=T0 + H,
    )
    act(db, support.record_repair, S002, vin=VIN, mileage_km=43_000, work_done="tyres", request_id="", now=T0 + 50 * H)

    with db.unit_of_work() as uow:
        mine = support.vehicle_history(uow, S001, VIN)
        everything = support.vehicle_history(uow, ENGINEER, VIN)
        with pytest.raises(NotFound):
            support.record_repair(uow, S002, vin=VIN, mileage_km=1, work_done="x", request_id=request_id, now=T0)

    assert ([str(r.id) for r in mine[0]], [r.work_done for r in mine[1]]) == ([request_id], ["injector seal"])
    assert [r.work_done for r in everything[1]] == ["tyres", "injector seal"]
    assert [e["vin"] for e in events(db, support.REPAIR_RECORDED)] == [VIN, VIN]


def test_the_station_services_timer_escalates_and_the_relay_announces_it_on_the_broker(
    db: Database, amqp_uri: str
) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.exchange_declare("station.events", exchange_type="topic", durable=True)
    queue = channel.queue_declare("", exclusive=True).method.queue
    channel.queue_bind(queue, "station.events", routing_key="support_request.escalated")
    now = dt.datetime.now(dt.UTC)
    request_id = opened(db, at=now - 3 * H)  # critical: the first rung fell due an hour ago

    def announced() -> dict[str, Any] | None:
        method, _, body = channel.basic_get(queue, auto_ack=True)
        return json.loads(body) if method else None

    fast_timer = {"DEALERNET_ESCALATION_PERIOD_SECONDS": "1"}
    with (
        running(nameko_service("station_service.service"), env=fast_timer, log_name="station-timer"),
        running([str(BIN / "python"), "-m", "plumbing.relay", "station"], log_name="station-relay"),
    ):
        event = wait_for("support_request.escalated on the broker", announced, timeout=60)

    connection.close()
    assert event["type"] == "support_request.escalated"
    assert (event["data"]["request_id"], event["data"]["level"], event["data"]["action"]) == (
        request_id,
        1,
        "warn_engineer",
    )
    assert stored(db, request_id).escalation_level == 1
