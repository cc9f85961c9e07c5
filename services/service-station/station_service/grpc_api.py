"""The station service's gRPC shell, serving the gateway: `python -m station_service.grpc_api`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import grpc

from dealernet.v1 import support_pb2, support_pb2_grpc
from plumbing.db import Database
from plumbing.grpc_support import Page, principal_from, serve_database_service
from station_service import domain, support
from station_service.models import SupportRequestRow, tables

SERVICE = "station"


def request_message(row: SupportRequestRow) -> support_pb2.SupportRequest:
    return support_pb2.SupportRequest(
        id=str(row.id),
        station_code=row.station_code,
        vin=row.vin,
        subject=row.subject,
        description=row.description,
        dtc_codes=list(row.dtc_codes),
        priority=row.priority,
        status=row.status,
        opened_at=row.opened_at.isoformat(),
        first_response_due=row.first_response_due.isoformat(),
        resolution_due=row.resolution_due.isoformat(),
    )


class SupportServicer(support_pb2_grpc.SupportServiceServicer):
    def __init__(self, database: Database) -> None:
        self.db = database

    def OpenRequest(self, request: Any, context: grpc.ServicerContext) -> support_pb2.SupportRequest:  # noqa: N802
        principal = principal_from(context)
        draft = domain.RequestDraft(
            vin=request.vin,
            subject=request.subject,
            description=request.description,
            dtc_codes=list(request.dtc_codes),
            priority=request.priority,
        )
        with self.db.unit_of_work() as uow:
            row = support.open_request(uow, principal, draft, dt.datetime.now(dt.UTC))
            uow.commit()
            return request_message(row)

    def GetRequest(self, request: Any, context: grpc.ServicerContext) -> support_pb2.SupportRequest:  # noqa: N802
        principal = principal_from(context)
        with self.db.unit_of_work() as uow:
            return request_message(support.get_request(uow, principal, request.id))

    def ListRequests(self, request: Any, context: grpc.ServicerContext) -> support_pb2.ListRequestsResponse:  # noqa: N802
        principal = principal_from(context)
        page = Page.of(request)
        with self.db.unit_of_work() as uow:
            rows = support.list_requests(uow, principal, offset=page.offset, limit=page.fetch, status=request.status)
            return support_pb2.ListRequestsResponse(
                requests=[request_message(row) for row in page.shown(rows)],
                next_page_token=page.next_token(rows),
            )


def main() -> None:
    serve_database_service(
        SERVICE,
        tables,
        lambda database, server: support_pb2_grpc.add_SupportServiceServicer_to_server(
            SupportServicer(database), server
        ),
    )


if __name__ == "__main__":
    main()
