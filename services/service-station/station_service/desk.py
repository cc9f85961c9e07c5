"""The support desk's rules, in plain Python: a request's life from open to closed, the
deadline clock that stops while the desk waits on the station, and the escalation ladder
a timer walks when a deadline draws near or passes.

Every function takes the moment it acts at (`now`), so tests drive the clock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from plumbing.errors import Refused, ValidationFailed
from station_service.domain import Priority


class Status(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    WAITING_ON_STATION = "waiting_on_station"
    RESOLVED = "resolved"
    CLOSED = "closed"


ACTIVE = frozenset({Status.OPEN, Status.IN_PROGRESS, Status.WAITING_ON_STATION})
# A request resolved or closed this long ago can no longer be reopened: open a new one.
REOPEN_WITHIN = dt.timedelta(days=30)


# --- Targets -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """How soon the desk must first answer, and solve, a request."""

    first_response: dt.timedelta
    resolution: dt.timedelta


DEFAULT_TARGETS: dict[Priority, Target] = {
    Priority.CRITICAL: Target(dt.timedelta(hours=1), dt.timedelta(hours=8)),
    Priority.HIGH: Target(dt.timedelta(hours=4), dt.timedelta(hours=24)),
    Priority.NORMAL: Target(dt.timedelta(hours=8), dt.timedelta(hours=72)),
    Priority.LOW: Target(dt.timedelta(hours=24), dt.timedelta(hours=168)),
}


@dataclass(frozen=True)
class TargetRule:
    """A target set for a priority, narrowed to a model, a region, or both."""

    priority: Priority
    target: Target
    model_code: str | None = None
    region: str | None = None

    def applies(self, priority: Priority, model_code: str | None, region: str | None) -> bool:
        return self.priority is priority and self.model_code in (None, model_code) and self.region in (None, region)

    @property
    def specificity(self) -> int:
        return (self.model_code is not None) * 2 + (self.region is not None)


def target_for(
    priority: Priority, model_code: str | None, region: str | None, rules: Sequence[TargetRule] = ()
) -> Target:
    """The most specific rule that applies (model and region, then model, then region), else the default."""
    matching = [rule for rule in rules if rule.applies(priority, model_code, region)]
    if not matching:
        return DEFAULT_TARGETS[priority]
    return max(matching, key=lambda rule: rule.specificity).target


# --- The escalation ladder ---------------------------------------------------------------------------


class Action(StrEnum):
    WARN_ENGINEER = "warn_engineer"
    REASSIGN_TO_SENIOR_POOL = "reassign_to_senior_pool"
    NOTIFY_REGIONAL_MANAGER = "notify_regional_manager"
    NOTIFY_DUTY_MANAGER = "notify_duty_manager"


@dataclass(frozen=True)
class Rung:
    """One step of a ladder: what happens, and when, as a share of the resolution target on
    the request's own clock (0.5 = half the target used; 1.0 = the deadline itself)."""

    action: Action
    at: float


# Declarative, per priority. Tighter for the urgent: a critical request warns its engineer
# at a quarter of its eight hours and reaches the duty manager at the deadline.
LADDERS: dict[Priority, tuple[Rung, ...]] = {
    Priority.CRITICAL: (
        Rung(Action.WARN_ENGINEER, 0.25),
        Rung(Action.REASSIGN_TO_SENIOR_POOL, 0.5),
        Rung(Action.NOTIFY_REGIONAL_MANAGER, 0.75),
        Rung(Action.NOTIFY_DUTY_MANAGER, 1.0),
    ),
    Priority.HIGH: (
        Rung(Action.WARN_ENGINEER, 0.5),
        Rung(Action.REASSIGN_TO_SENIOR_POOL, 0.75),
        Rung(Action.NOTIFY_REGIONAL_MANAGER, 1.0),
        Rung(Action.NOTIFY_DUTY_MANAGER, 1.5),
    ),
    Priority.NORMAL: (
        Rung(Action.WARN_ENGINEER, 0.75),
        Rung(Action.REASSIGN_TO_SENIOR_POOL, 1.0),
        Rung(Action.NOTIFY_REGIONAL_MANAGER, 1.5),
    ),
    Priority.LOW: (
        Rung(Action.WARN_ENGINEER, 1.0),
        Rung(Action.NOTIFY_REGIONAL_MANAGER, 2.0),
    ),
}


def check_ladders(ladders: Mapping[Priority, Sequence[Rung]]) -> None:
    """A ladder climbs: each rung later than the one before, none before the request opened."""
    for priority, rungs in ladders.items():
        moments = [rung.at for rung in rungs]
        if any(at <= 0 for at in moments) or moments != sorted(set(moments)):
            raise ValueError(f"the {priority.value} ladder must rise strictly from above 0: {moments}")


check_ladders(LADDERS)


# --- A request's clock and state ---------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """The deadline clock: it runs from opening and stops while the desk waits on the station,
    so every deadline moves later by the time spent waiting."""

    opened_at: dt.datetime
    target: Target
    paused: dt.timedelta = dt.timedelta(0)
    paused_since: dt.datetime | None = None

    def elapsed(self, now: dt.datetime) -> dt.timedelta:
        """Time counted against the targets at `now`."""
        stopped = self.paused + (now - self.paused_since if self.paused_since else dt.timedelta(0))
        return max(dt.timedelta(0), now - self.opened_at - stopped)

    def due(self, budget: dt.timedelta, now: dt.datetime) -> dt.datetime:
        """When `budget` of counted time will have been used, if the clock runs from `now` on."""
        return now + (budget - self.elapsed(now))

    def pause(self, now: dt.datetime) -> Clock:
        return self if self.paused_since else dataclasses.replace(self, paused_since=now)

    def resume(self, now: dt.datetime) -> Clock:
        if self.paused_since is None:
            return self
        return dataclasses.replace(self, paused=self.paused + (now - self.paused_since), paused_since=None)


@dataclass(frozen=True)
class Desk:
    """What the rules need to know of a request."""

    status: Status
    priority: Priority
    station_code: str
    clock: Clock
    engineer: str | None = None
    first_response_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    # How many rungs of its ladder the request has climbed.
    escalation_level: int = 0
    # Whether each target was missed, decided when the response or resolution came.
    first_response_late: bool | None = None
    resolution_late: bool | None = None

    @property
    def ladder(self) -> tuple[Rung, ...]:
        return LADDERS[self.priority]

    def first_response_due(self, now: dt.datetime) -> dt.datetime:
        return self.clock.due(self.clock.target.first_response, now)

    def resolution_due(self, now: dt.datetime) -> dt.datetime:
        return self.clock.due(self.clock.target.resolution, now)

    def next_escalation_at(self, now: dt.datetime) -> dt.datetime | None:
        """When the next rung is due; None once the ladder is climbed, the request is no longer
        active, or the clock is stopped (it is set again when the clock runs)."""
        if self.status not in ACTIVE or self.clock.paused_since or self.escalation_level >= len(self.ladder):
            return None
        rung = self.ladder[self.escalation_level]
        return self.clock.due(self.clock.target.resolution * rung.at, now)


@dataclass(frozen=True)
class Escalation:
    level: int
    action: Action
    due_at: dt.datetime


def escalate(desk: Desk, now: dt.datetime) -> tuple[Desk, list[Escalation]]:
    """Every rung whose moment has come, climbed in order (a request left unwatched for a long
    time climbs several at once, each recorded)."""
    steps: list[Escalation] = []
    while True:
        due = desk.next_escalation_at(now)
        if due is None or due > now:
            return desk, steps
        rung = desk.ladder[desk.escalation_level]
        steps.append(Escalation(desk.escalation_level + 1, rung.action, due))
        engineer = None if rung.action is Action.REASSIGN_TO_SENIOR_POOL else desk.engineer
        desk = dataclasses.replace(desk, escalation_level=desk.escalation_level + 1, engineer=engineer)


def predicted_to_breach(desk: Desk, now: dt.datetime, horizon: dt.timedelta) -> bool:
    """Still active and its resolution deadline falls within `horizon` (or has passed)."""
    return desk.status in ACTIVE and desk.resolution_due(now) <= now + horizon


# --- Steps ---------------------------------------------------------------------------------------------


def _expect(desk: Desk, *allowed: Status) -> None:
    if desk.status not in allowed:
        raise Refused(f"the request is {desk.status.value}")


def take(desk: Desk, engineer: str, now: dt.datetime) -> Desk:
    """An engineer takes the request, or headquarters assigns it to one."""
    _expect(desk, Status.OPEN, Status.IN_PROGRESS, Status.WAITING_ON_STATION)
    if not engineer.strip():
        raise ValidationFailed.one("engineer", "is required")
    status = Status.IN_PROGRESS if desk.status is Status.OPEN else desk.status
    return dataclasses.replace(desk, engineer=engineer.strip(), status=status)


def engineer_replies(desk: Desk, engineer: str, now: dt.datetime, *, asks_station: bool) -> Desk:
    """A reply from the desk is its first response if it is the first; a question to the
    station stops the clock until the station answers."""
    _expect(desk, Status.OPEN, Status.IN_PROGRESS, Status.WAITING_ON_STATION)
    desk = _responded(desk, now)
    clock = desk.clock.pause(now) if asks_station else desk.clock.resume(now)
    status = Status.WAITING_ON_STATION if asks_station else Status.IN_PROGRESS
    return dataclasses.replace(desk, status=status, clock=clock, engineer=desk.engineer or engineer)


def _responded(desk: Desk, now: dt.datetime) -> Desk:
    if desk.first_response_at is not None:
        return desk
    late = desk.clock.elapsed(now) > desk.clock.target.first_response
    return dataclasses.replace(desk, first_response_at=now, first_response_late=late)


def station_replies(desk: Desk, now: dt.datetime) -> Desk:
    """The station's answer starts the clock again."""
    _expect(desk, Status.OPEN, Status.IN_PROGRESS, Status.WAITING_ON_STATION)
    if desk.status is Status.WAITING_ON_STATION:
        return dataclasses.replace(desk, status=Status.IN_PROGRESS, clock=desk.clock.resume(now))
    return desk


def resolve(desk: Desk, now: dt.datetime) -> Desk:
    _expect(desk, Status.OPEN, Status.IN_PROGRESS, Status.WAITING_ON_STATION)
    desk = _responded(desk, now)
    clock = desk.clock.resume(now)
    late = clock.elapsed(now) > clock.target.resolution
    return dataclasses.replace(desk, status=Status.RESOLVED, resolved_at=now, clock=clock, resolution_late=late)


MIN_RATING, MAX_RATING = 1, 5


def close(desk: Desk, now: dt.datetime, rating: int | None) -> Desk:
    """The station closes the request and rates the answer (1 to 5); a request not yet
    resolved may be closed too (the problem went away), and is then resolved at closing."""
    _expect(desk, Status.OPEN, Status.IN_PROGRESS, Status.WAITING_ON_STATION, Status.RESOLVED)
    if rating is not None and not MIN_RATING <= rating <= MAX_RATING:
        raise ValidationFailed.one("rating", f"must be {MIN_RATING} to {MAX_RATING}")
    resolved = desk if desk.status is Status.RESOLVED else resolve(desk, now)
    return dataclasses.replace(resolved, status=Status.CLOSED, closed_at=now)


def reopen(desk: Desk, now: dt.datetime) -> Desk:
    """The problem came back: the request is worked again, its clock running from where it stopped."""
    _expect(desk, Status.RESOLVED, Status.CLOSED)
    ended = desk.closed_at or desk.resolved_at
    if ended is not None and now - ended > REOPEN_WITHIN:
        raise Refused(f"the request ended more than {REOPEN_WITHIN.days} days ago: open a new one")
    # Time between resolution and reopening is not the desk's to answer for.
    clock = desk.clock
    if desk.resolved_at is not None:
        clock = dataclasses.replace(clock, paused=clock.paused + (now - desk.resolved_at))
    status = Status.IN_PROGRESS if desk.engineer else Status.OPEN
    return dataclasses.replace(desk, status=status, resolved_at=None, closed_at=None, clock=clock, resolution_late=None)
