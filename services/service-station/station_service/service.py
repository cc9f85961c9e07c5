"""The station service's Nameko shell: walks the escalation ladders on a timer, answers RPC
calls from other services.

Run with `nameko run --config plumbing/nameko.yaml station_service.service`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from google.protobuf.json_format import MessageToDict
from nameko.rpc import rpc
from nameko.timer import timer

from plumbing import settings as settings_module
from plumbing.db import Database
from plumbing.green import make_psycopg_cooperative
from plumbing.nameko_shell import CallerPrincipal, DatabaseProvider, DeadLetters, Tracing
from plumbing.principal import Principal
from station_service import support
from station_service.grpc_api import request_message
from station_service.models import tables

make_psycopg_cooperative()

ESCALATION_PERIOD_SECONDS = settings_module.load().escalation_period_seconds


class StationService:
    name = "station"

    db: Database = DatabaseProvider(tables)  # type: ignore[assignment]
    tracing = Tracing()
    dead_letters = DeadLetters()
    principal: Callable[[], Principal] = CallerPrincipal()  # type: ignore[assignment]

    @timer(interval=ESCALATION_PERIOD_SECONDS)
    def escalate(self) -> None:
        """Every period (a minute by default): climb the ladder of each request whose next rung is due, each step
        recorded with its event, in batches so one transaction never holds too many rows."""
        now = dt.datetime.now(dt.UTC)
        while True:
            with self.db.unit_of_work() as uow:
                climbed = support.escalate_due(uow, now)
                uow.commit()
            if climbed < support.ESCALATION_BATCH:
                return

    @rpc
    def get_request(self, request_id: str) -> dict[str, Any]:
        """A support request as the calling principal may see it (for other services)."""
        with self.db.unit_of_work() as uow:
            row = support.get_request(uow, self.principal(), request_id)
            return MessageToDict(request_message(row), preserving_proto_field_name=True)
