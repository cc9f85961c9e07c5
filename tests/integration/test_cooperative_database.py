"""Database calls in a Nameko service must not stall the eventlet hub for other workers."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from tests.processes import nameko_service, queue_consumed, running, wait_for

pytestmark = pytest.mark.integration

WAIT = 1.0


def two_overlapping_calls(amqp_uri: str) -> float:
    def call() -> None:
        with ClusterRpcProxy({"AMQP_URI": amqp_uri}) as cluster:
            cluster.green_probe.wait_in_database(WAIT)

    with ThreadPoolExecutor(2) as pool:
        call()  # warm: connections made, pool filled
        started = time.monotonic()
        list(pool.map(lambda _: call(), range(2)))
        return time.monotonic() - started


@pytest.mark.parametrize("blocking", [False, True], ids=["cooperative", "unpatched-control"])
def test_two_slow_queries_overlap(blocking: bool, amqp_uri: str, fresh_database: Callable[[str], str]) -> None:
    env = {
        "DEALERNET_GREEN_PROBE_DATABASE_URL": fresh_database("order"),
        "GREEN_PROBE_BLOCKING": "1" if blocking else "0",
    }
    with running(nameko_service("tests.green_probe_service"), env=env, log_name=f"green-probe-{blocking}"):
        wait_for("probe service", lambda: queue_consumed(amqp_uri, "rpc-green_probe"), timeout=60)
        elapsed = two_overlapping_calls(amqp_uri)
    if blocking:
        # Without the patch the second query waits for the first: the control shows the test can fail.
        assert elapsed >= 2 * WAIT
    else:
        assert elapsed < 1.5 * WAIT
