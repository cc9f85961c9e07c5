"""Declares every service's event queues on the broker, before anything publishes.

An event published while no queue is bound for it reaches no one: a service started after
the others' relays (the first `make run` on a fresh machine, a new service in a running
channel) would never hear of what happened before it. Declaring the queues first, exactly
as each service's Nameko worker declares them, keeps those events waiting for it.

    python -m plumbing.declare_queues          # every service in plumbing.settings.SERVICE_NAMES
    python -m plumbing.declare_queues monitor  # one service
"""

from __future__ import annotations

import sys

from kombu.connection import Connection
from nameko.cli.run import import_service
from nameko.containers import ServiceContainer
from nameko.events import EventHandler

from plumbing import settings as settings_module

MODULES = {
    "order": "order_service.service",
    "inventory": "inventory_service.service",
    "customer": "customer_service.service",
    "station": "station_service.service",
    "monitor": "monitor_service.service",
}


def event_queues(service: str, amqp_uri: str) -> list[str]:
    """Declares the service's event queues with their bindings; answers their names."""
    declared = []
    with Connection(amqp_uri) as connection:
        channel = connection.default_channel
        for service_cls in import_service(MODULES[service]):
            # The container names each queue and binding as the running worker will; it is
            # built, never started.
            container = ServiceContainer(service_cls, {"AMQP_URI": amqp_uri})
            for entrypoint in container.entrypoints:
                if isinstance(entrypoint, EventHandler):
                    entrypoint.setup()
                    entrypoint.queue(channel).declare()
                    declared.append(entrypoint.queue.name)
    return sorted(declared)


def main() -> None:
    services = sys.argv[1:] or list(MODULES)
    amqp_uri = settings_module.load().amqp_uri
    for service in services:
        queues = event_queues(service, amqp_uri)
        print(f"{service}: {len(queues)} event queues declared")


if __name__ == "__main__":
    main()
