"""The envelope every integration event travels in, and the check a consumer makes on it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from plumbing.db import event_envelope
from plumbing.nameko_shell import InvalidEvent, check_envelope

ORDER_PLACED_DATA = {"order_number": "ORD-2026-0000042", "dealer_code": "D-BER-01"}


def good_envelope(**changes: Any) -> dict[str, Any]:
    envelope: dict[str, Any] = {
        "id": "5b0c3c8e-2f57-4d7e-9a57-3f0f3f3c1a11",
        "type": "order.placed",
        "version": 1,
        "source": "order",
        "occurred_at": "2026-03-02T09:15:00+00:00",
        "data": dict(ORDER_PLACED_DATA),
    }
    envelope.update(changes)
    return envelope


def test_good_envelope_is_accepted_as_it_is() -> None:
    envelope = good_envelope()

    assert check_envelope(envelope, (1,)) is envelope


def test_any_version_the_handler_knows_is_accepted() -> None:
    envelope = good_envelope(version=2)

    assert check_envelope(envelope, (1, 2)) is envelope


@pytest.mark.parametrize(("body", "kind"), [([1, 2], "list"), ("order.placed", "str"), (None, "NoneType"), (7, "int")])
def test_body_that_is_not_an_object_is_refused(body: object, kind: str) -> None:
    with pytest.raises(InvalidEvent, match=f"^event body must be a JSON object, got {kind}$"):
        check_envelope(body, (1,))


@pytest.mark.parametrize("key", ["id", "type", "version", "data"])
def test_envelope_missing_a_key_is_refused_naming_it(key: str) -> None:
    envelope = good_envelope()
    del envelope[key]

    with pytest.raises(InvalidEvent, match=f"^event envelope is missing '{key}'$"):
        check_envelope(envelope, (1,))


@pytest.mark.parametrize("version", [2, 0, "1", None])
def test_version_the_handler_does_not_know_is_refused(version: object) -> None:
    with pytest.raises(InvalidEvent) as exc:
        check_envelope(good_envelope(version=version), (1,))

    assert str(exc.value) == f"order.placed version {version} not handled (knows (1,))"


@pytest.mark.parametrize("data", [None, [], "ORD-2026-0000042", 42])
def test_data_that_is_not_an_object_is_refused(data: object) -> None:
    with pytest.raises(InvalidEvent, match=r"^event 'data' must be a JSON object$"):
        check_envelope(good_envelope(data=data), (1,))


def test_envelope_carries_the_fact_with_its_type_version_and_source() -> None:
    envelope = event_envelope("order", "order.placed", ORDER_PLACED_DATA, 1)

    assert set(envelope) == {"id", "type", "version", "source", "occurred_at", "data"}
    assert envelope["type"] == "order.placed"
    assert envelope["version"] == 1
    assert envelope["source"] == "order"
    assert envelope["data"] == ORDER_PLACED_DATA


def test_every_envelope_gets_a_fresh_random_uuid() -> None:
    ids = [event_envelope("order", "order.placed", {}, 1)["id"] for _ in range(3)]

    assert len(set(ids)) == 3
    assert all(uuid.UUID(event_id).version == 4 for event_id in ids)
    assert all(str(uuid.UUID(event_id)) == event_id for event_id in ids)


def test_envelope_time_is_an_iso_timestamp_in_utc() -> None:
    before = dt.datetime.now(dt.UTC)
    envelope = event_envelope("inventory", "inventory.vehicle_reserved", {}, 2)
    after = dt.datetime.now(dt.UTC)

    occurred_at = dt.datetime.fromisoformat(envelope["occurred_at"])
    assert occurred_at.utcoffset() == dt.timedelta(0)
    assert before <= occurred_at <= after


def test_envelope_built_by_a_producer_passes_the_consumers_check() -> None:
    envelope = event_envelope("order", "order.placed", ORDER_PLACED_DATA, 2)

    assert check_envelope(envelope, (1, 2)) is envelope
