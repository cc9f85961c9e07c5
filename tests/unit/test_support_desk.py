"""The support desk's rules on a clock the tests drive: targets, the clock stopping while
the desk waits on the station, the escalation ladder, and a request's steps."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from plumbing.errors import Refused, ValidationFailed
from station_service import desk
from station_service.desk import Action, Clock, Desk, Status, Target, TargetRule
from station_service.domain import Priority

OPENED = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)


def request(priority: Priority = Priority.CRITICAL, **changes: object) -> Desk:
    new = Desk(
        status=Status.OPEN,
        priority=priority,
        station_code="S001",
        clock=Clock(OPENED, desk.DEFAULT_TARGETS[priority]),
    )
    return dataclasses.replace(new, **changes)  # type: ignore[arg-type]


def test_the_most_specific_target_rule_applies() -> None:
    rules = [
        TargetRule(Priority.HIGH, Target(2 * H, 12 * H), region="NORTH"),
        TargetRule(Priority.HIGH, Target(3 * H, 16 * H), model_code="TER"),
        TargetRule(Priority.HIGH, Target(1 * H, 6 * H), model_code="TER", region="NORTH"),
    ]
    assert desk.target_for(Priority.HIGH, "TER", "NORTH", rules) == Target(1 * H, 6 * H)
    assert desk.target_for(Priority.HIGH, "TER", "EAST", rules) == Target(3 * H, 16 * H)
    assert desk.target_for(Priority.HIGH, "AUR", "NORTH", rules) == Target(2 * H, 12 * H)
    assert desk.target_for(Priority.HIGH, "AUR", "EAST", rules) == desk.DEFAULT_TARGETS[Priority.HIGH]
    assert desk.target_for(Priority.LOW, "TER", "NORTH", rules) == desk.DEFAULT_TARGETS[Priority.LOW]


def test_the_clock_stops_while_the_desk_waits_on_the_station() -> None:
    taken = desk.take(request(), "eng.chen", OPENED)
    asked = desk.engineer_replies(taken, "eng.chen", OPENED + 0.5 * H, asks_station=True)
    answered = desk.station_replies(asked, OPENED + 3.5 * H)

    assert asked.status is Status.WAITING_ON_STATION and asked.first_response_late is False
    assert asked.clock.elapsed(OPENED + 2 * H) == 0.5 * H
    assert answered.status is Status.IN_PROGRESS
    assert answered.clock.elapsed(OPENED + 4 * H) == 1 * H
    # Eight hours of counted time: the three hours waited on the station move it to 19:00.
    assert answered.resolution_due(OPENED + 4 * H) == OPENED + 11 * H


def test_a_first_response_after_its_target_is_recorded_late() -> None:
    replied = desk.engineer_replies(request(), "eng.chen", OPENED + 2 * H, asks_station=False)
    assert replied.first_response_at == OPENED + 2 * H and replied.first_response_late is True


def test_the_ladder_is_climbed_rung_by_rung_at_its_moments() -> None:
    taken = desk.take(request(), "eng.chen", OPENED)

    at_one, none_yet = desk.escalate(taken, OPENED + 1 * H)
    warned, [warning] = desk.escalate(taken, OPENED + 2 * H)
    reassigned, [reassignment] = desk.escalate(warned, OPENED + 4 * H)

    assert none_yet == [] and at_one == taken
    assert (warning.level, warning.action, warning.due_at) == (1, Action.WARN_ENGINEER, OPENED + 2 * H)
    assert warned.engineer == "eng.chen" and warned.next_escalation_at(OPENED + 2 * H) == OPENED + 4 * H
    assert (reassignment.action, reassigned.engineer) == (Action.REASSIGN_TO_SENIOR_POOL, None)


def test_a_request_left_unwatched_climbs_every_rung_due_each_recorded() -> None:
    climbed, steps = desk.escalate(request(), OPENED + 9 * H)

    assert [s.action for s in steps] == [
        Action.WARN_ENGINEER,
        Action.REASSIGN_TO_SENIOR_POOL,
        Action.NOTIFY_REGIONAL_MANAGER,
        Action.NOTIFY_DUTY_MANAGER,
    ]
    assert [s.due_at for s in steps] == [OPENED + 2 * H, OPENED + 4 * H, OPENED + 6 * H, OPENED + 8 * H]
    assert climbed.next_escalation_at(OPENED + 9 * H) is None


def test_nothing_escalates_while_the_clock_is_stopped_and_the_ladder_moves_on_by_the_wait() -> None:
    waiting = desk.engineer_replies(request(), "eng.chen", OPENED + 1 * H, asks_station=True)

    assert desk.escalate(waiting, OPENED + 20 * H) == (waiting, [])
    back = desk.station_replies(waiting, OPENED + 21 * H)
    assert back.next_escalation_at(OPENED + 21 * H) == OPENED + 22 * H


def test_resolved_and_closed_requests_do_not_escalate() -> None:
    done = desk.resolve(desk.take(request(), "eng.chen", OPENED), OPENED + 3 * H)
    assert done.next_escalation_at(OPENED + 30 * H) is None and done.resolution_late is False
    assert desk.escalate(done, OPENED + 30 * H) == (done, [])


def test_a_request_predicted_to_breach_is_one_whose_deadline_falls_within_the_horizon() -> None:
    normal = request(Priority.NORMAL)
    assert not desk.predicted_to_breach(normal, OPENED + 60 * H, horizon=4 * H)
    assert desk.predicted_to_breach(normal, OPENED + 69 * H, horizon=4 * H)


def test_closing_rates_the_answer_and_a_reopened_request_is_worked_again() -> None:
    resolved = desk.resolve(desk.take(request(Priority.HIGH), "eng.chen", OPENED), OPENED + 5 * H)
    closed = desk.close(resolved, OPENED + 6 * H, rating=4)
    reopened = desk.reopen(closed, OPENED + 30 * H)

    assert closed.status is Status.CLOSED and closed.closed_at == OPENED + 6 * H
    assert reopened.status is Status.IN_PROGRESS and reopened.engineer == "eng.chen"
    # 5 hours were used before the resolution; the days until the reopening are not counted.
    assert reopened.clock.elapsed(OPENED + 30 * H) == 5 * H
    with pytest.raises(ValidationFailed):
        desk.close(resolved, OPENED + 6 * H, rating=6)


def test_a_request_long_closed_is_not_reopened_and_steps_out_of_turn_are_refused() -> None:
    closed = desk.close(request(), OPENED + 1 * H, rating=None)
    with pytest.raises(Refused, match="open a new one"):
        desk.reopen(closed, OPENED + 31 * 24 * H)
    with pytest.raises(Refused, match="is closed"):
        desk.engineer_replies(closed, "eng.chen", OPENED + 2 * H, asks_station=False)
    with pytest.raises(Refused, match="is open"):
        desk.reopen(request(), OPENED)


def test_a_ladder_must_climb() -> None:
    with pytest.raises(ValueError, match="rise strictly"):
        desk.check_ladders(
            {Priority.LOW: (desk.Rung(Action.WARN_ENGINEER, 1.0), desk.Rung(Action.NOTIFY_DUTY_MANAGER, 0.5))}
        )
