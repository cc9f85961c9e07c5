"""A service's event queues declared before its worker ever ran keep what is published meanwhile."""

from __future__ import annotations

import json
import uuid

import pika
import pytest

from plumbing.declare_queues import event_queues
from tests.processes import wait_for

pytestmark = pytest.mark.integration

PLACED_FOR_MONITOR = "evt-order-order.placed--monitor.on_order_placed"


def test_an_event_published_before_the_monitor_ever_ran_waits_in_its_queue(amqp_uri: str) -> None:
    declared = event_queues("monitor", amqp_uri)
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        channel = connection.channel()
        assert event_queues("monitor", amqp_uri) == declared  # declaring again changes nothing
        assert PLACED_FOR_MONITOR in declared and len(declared) == len(set(declared))

        envelope = {"id": str(uuid.uuid4()), "type": "order.placed", "version": 1, "source": "order", "data": {}}
        channel.basic_publish("order.events", "order.placed", json.dumps(envelope).encode())

        wait_for(
            "the event waiting in the monitor's queue",
            lambda: channel.queue_declare(PLACED_FOR_MONITOR, passive=True).method.message_count == 1,
            timeout=5,
        )
    finally:
        # Later tests start the monitor's worker in this vhost with nothing waiting for it.
        cleanup = connection.channel()
        for queue in declared:
            cleanup.queue_delete(queue)
        connection.close()
