"""The services' gRPC health: readiness follows the database, liveness only the process."""

from __future__ import annotations

from grpc_health.v1 import health_pb2

from plumbing.grpc_support import LIVENESS_SERVICE, HealthWithReadiness

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def _database_down() -> None:
    raise ConnectionError("could not connect to server: Connection refused")


def test_a_service_whose_database_is_down_is_not_ready_but_alive() -> None:
    health = HealthWithReadiness(_database_down)

    ready = health.Check(health_pb2.HealthCheckRequest(), None)
    alive = health.Check(health_pb2.HealthCheckRequest(service=LIVENESS_SERVICE), None)

    assert (ready.status, alive.status) == (NOT_SERVING, SERVING)


def test_a_service_whose_checks_pass_is_ready() -> None:
    assert HealthWithReadiness(lambda: None).Check(health_pb2.HealthCheckRequest(), None).status == SERVING
