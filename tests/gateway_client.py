"""The gateway app in this process, in front of services served on given ports, and the
bearer tokens its routes are called with."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from gateway import API_PREFIX, tokens
from plumbing.principal import Principal


@contextmanager
def gateway_calling(ports: Mapping[str, int]) -> Iterator[TestClient]:
    """The gateway, its paths under /v1, calling each named service (order, station, ...) on
    its port. Its live feed subscribes to the broker on start: ask for amqp_uri first."""
    from gateway.app import app

    with pytest.MonkeyPatch.context() as patch:
        for service, port in ports.items():
            patch.setenv(f"DEALERNET_{service.upper()}_GRPC_PORT", str(port))
        with TestClient(app, base_url=f"http://testserver{API_PREFIX}") as client:
            yield client


def bearer(client: TestClient, principal: Principal) -> dict[str, str]:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {tokens.issue(principal, settings.token_secret, 60)}"}
