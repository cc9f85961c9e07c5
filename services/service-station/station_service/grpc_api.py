"""The station service's gRPC shell, serving the gateway: `python -m station_service.grpc_api`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

import grpc

from dealernet.v1 import support_pb2, support_pb2_grpc
from plumbing.db import UnitOfWork
from plumbing.errors import ValidationFailed
from plumbing.grpc_support import Page, UnitOfWorkServicer, principal_from, serve_database_service
from plumbing.principal import Principal, Role
from station_service import domain, knowledge, support
from station_service.models import ArticleRow, RepairRow, RequestMessageRow, SupportRequestRow, tables

SERVICE = "station"
PERFORMANCE_WINDOW = dt.timedelta(days=90)

T = TypeVar("T")


def _time(moment: dt.datetime | None) -> str:
    return moment.isoformat() if moment else ""


def request_message(row: SupportRequestRow, now: dt.datetime | None = None) -> support_pb2.SupportRequest:
    moment = now or dt.datetime.now(dt.UTC)
    return support_pb2.SupportRequest(
        id=str(row.id),
        station_code=row.station_code,
        vin=row.vin,
        subject=row.subject,
        description=row.description,
        dtc_codes=list(row.dtc_codes),
        priority=row.priority,
        status=row.status,
        opened_at=_time(row.opened_at),
        first_response_due=_time(row.first_response_due),
        resolution_due=_time(row.resolution_due),
        region=row.region or "",
        model_code=row.model_code or "",
        model_year=row.model_year or 0,
        mileage_km=row.mileage_km or 0,
        engineer=row.engineer or "",
        first_response_at=_time(row.first_response_at),
        first_response_late=bool(row.first_response_late),
        resolved_at=_time(row.resolved_at),
        resolution_late=bool(row.resolution_late),
        resolution=row.resolution or "",
        closed_at=_time(row.closed_at),
        rating=row.rating or 0,
        escalation_level=row.escalation_level,
        next_escalation_at=_time(row.next_escalation_at),
        age_hours=round(((row.closed_at or moment) - row.opened_at).total_seconds() / 3600, 1),
    )


def message_message(row: RequestMessageRow) -> support_pb2.Message:
    return support_pb2.Message(
        author_role=row.author_role,
        author=row.author,
        body=row.body,
        asks_station=row.asks_station,
        created_at=_time(row.created_at),
    )


def repair_message(row: RepairRow) -> support_pb2.Repair:
    return support_pb2.Repair(
        id=str(row.id),
        station_code=row.station_code,
        vin=row.vin,
        mileage_km=row.mileage_km or 0,
        work_done=row.work_done,
        request_id=str(row.request_id) if row.request_id else "",
        repaired_at=_time(row.repaired_at),
    )


def article_message(row: ArticleRow, rank: float = 0.0) -> support_pb2.Article:
    return support_pb2.Article(
        id=str(row.id),
        kind=row.kind,
        status=row.status,
        title=row.title,
        symptoms=row.symptoms,
        solution=row.solution,
        dtc_codes=list(row.dtc_codes or []),
        model_codes=list(row.model_codes or []),
        year_from=row.year_from or 0,
        year_to=row.year_to or 0,
        vin_prefix=row.vin_prefix or "",
        serial_from=row.serial_from or 0,
        serial_to=row.serial_to or 0,
        bulletin_number=row.bulletin_number or "",
        source_request_id=str(row.source_request_id) if row.source_request_id else "",
        author=row.author,
        published_at=_time(row.published_at),
        solved_count=row.solved_count,
        not_solved_count=row.not_solved_count,
        rank=round(rank, 6),
    )


def _since(raw: str, now: dt.datetime) -> dt.datetime:
    if not raw:
        return now - PERFORMANCE_WINDOW
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed.one("since", "must be an RFC 3339 time") from None
    if moment.tzinfo is None:
        raise ValidationFailed.one("since", "must carry a time zone")
    return moment


class SupportServicer(UnitOfWorkServicer, support_pb2_grpc.SupportServiceServicer):
    def _write_at(self, context: grpc.ServicerContext, work: Callable[[UnitOfWork, Principal, dt.datetime], T]) -> T:
        """A change made at one moment, the same for every rule it passes through."""
        now = dt.datetime.now(dt.UTC)
        return self._write(context, lambda uow, principal: work(uow, principal, now))

    # --- requests

    def OpenRequest(self, request: Any, context: grpc.ServicerContext) -> support_pb2.OpenRequestResponse:  # noqa: N802
        draft = domain.RequestDraft(
            vin=request.vin,
            subject=request.subject,
            description=request.description,
            dtc_codes=list(request.dtc_codes),
            priority=request.priority,
        )
        facts = support.VehicleFacts(request.model_code, request.model_year, request.mileage_km)

        def work(uow: UnitOfWork, principal: Principal, now: dt.datetime) -> SupportRequestRow:
            return support.open_request(uow, principal, draft, now, facts)

        row = self._write_at(context, work)
        principal = principal_from(context)
        # Looked for after the request is stored, outside its transaction: similar cases are
        # a help to the station, not part of opening the request.
        with self.db.unit_of_work() as uow:
            suggestions = knowledge.suggest(
                uow,
                subject=row.subject,
                description=row.description,
                dtc_codes=list(row.dtc_codes),
                model_code=row.model_code,
                exclude_request_id=row.id,
            )
        if principal.role is not Role.HQ:
            # Other stations' requests stay theirs: a station is pointed to the knowledge base.
            suggestions = [s for s in suggestions if s.kind != "request"]
        return support_pb2.OpenRequestResponse(
            request=request_message(row),
            suggestions=[
                support_pb2.Suggestion(kind=s.kind, id=s.id, title=s.title, rank=round(s.rank, 6)) for s in suggestions
            ],
        )

    def GetRequest(self, request: Any, context: grpc.ServicerContext) -> support_pb2.SupportRequest:  # noqa: N802
        return self._read(context, lambda uow, who: request_message(support.get_request(uow, who, request.id)))

    def ListRequests(self, request: Any, context: grpc.ServicerContext) -> support_pb2.ListRequestsResponse:  # noqa: N802
        page = Page.of(request)
        queue = support.QueueFilter(
            status=request.status,
            priority=request.priority,
            region=request.region,
            model_code=request.model_code,
            older_than_hours=request.older_than_hours,
            unassigned=request.unassigned,
            engineer=request.engineer,
        )

        def work(uow: UnitOfWork, principal: Principal) -> support_pb2.ListRequestsResponse:
            rows = support.list_requests(uow, principal, offset=page.offset, limit=page.fetch, queue=queue)
            return support_pb2.ListRequestsResponse(
                requests=[request_message(row) for row in page.shown(rows)], next_page_token=page.next_token(rows)
            )

        return self._read(context, work)

    def TakeRequest(self, request: Any, context: grpc.ServicerContext) -> support_pb2.SupportRequest:  # noqa: N802
        return self._write_at(
            context,
            lambda uow, who, now: request_message(
                support.take_request(uow, who, request.id, request.engineer, now), now
            ),
        )

    def PostMessage(self, request: Any, context: grpc.ServicerContext) -> support_pb2.SupportRequest:  # noqa: N802
        return self._write_at(
            context,
            lambda uow, who, now: request_message(
                support.post_message(uow, who, request.id, request.body, request.asks_station, now), now
            ),
        )

    def ListMessages(self, request: Any, context: grpc.ServicerContext) -> support_pb2.ListMessagesResponse:  # noqa: N802
        return self._read(
            context,
            lambda uow, who: support_pb2.ListMessagesResponse(
                messages=[message_message(row) for row in support.list_messages(uow, who, request.id)]
            ),
        )

    def ResolveRequest(self, request: Any, context: grpc.ServicerContext) -> support_pb2.SupportRequest:  # noqa: N802
        return self._write_at(
            context,
            lambda uow, who, now: request_message(
                support.resolve_request(uow, who, request.id, request.resolution, now), now
            ),
        )

    def CloseRequest(self, request: Any, context: grpc.ServicerContext) -> support_pb2.SupportRequest:  # noqa: N802
        return self._write_at(
            context,
            lambda uow, who, now: request_message(
                support.close_request(uow, who, request.id, request.rating or None, request.comment, now), now
            ),
        )

    def ReopenRequest(self, request: Any, context: grpc.ServicerContext) -> support_pb2.SupportRequest:  # noqa: N802
        return self._write_at(
            context, lambda uow, who, now: request_message(support.reopen_request(uow, who, request.id, now), now)
        )

    def ListBreaches(self, request: Any, context: grpc.ServicerContext) -> support_pb2.ListBreachesResponse:  # noqa: N802
        page = Page.of(request)
        if request.horizon_hours < 0:
            raise ValidationFailed.one("horizon_hours", "must not be negative")

        def work(uow: UnitOfWork, principal: Principal) -> support_pb2.ListBreachesResponse:
            now = dt.datetime.now(dt.UTC)
            found, breached, predicted = support.list_breaches(
                uow,
                principal,
                now,
                horizon=dt.timedelta(hours=request.horizon_hours or 4),
                offset=page.offset,
                limit=page.fetch,
            )
            return support_pb2.ListBreachesResponse(
                breaches=[
                    support_pb2.Breach(
                        request=request_message(b.request, now),
                        state=b.state,
                        first_response_breached=b.first_response_breached,
                        resolution_breached=b.resolution_breached,
                    )
                    for b in page.shown(found)
                ],
                next_page_token=page.next_token(found),
                breached=breached,
                predicted=predicted,
            )

        return self._read(context, work)

    def GetPerformance(self, request: Any, context: grpc.ServicerContext) -> support_pb2.Performance:  # noqa: N802
        def work(uow: UnitOfWork, principal: Principal) -> support_pb2.Performance:
            group_by = request.group_by or "station"
            rows = support.performance(uow, principal, group_by, _since(request.since, dt.datetime.now(dt.UTC)))
            return support_pb2.Performance(
                group_by=group_by,
                rows=[
                    support_pb2.PerformanceRow(
                        key=r.key,
                        requests=r.requests,
                        closed=r.closed,
                        rated=r.rated,
                        average_rating=r.average_rating,
                        first_response_met_percent=r.first_response_met_percent,
                        resolution_met_percent=r.resolution_met_percent,
                        escalations=r.escalations,
                    )
                    for r in rows
                ],
            )

        return self._read(context, work)

    def RecordRepair(self, request: Any, context: grpc.ServicerContext) -> support_pb2.Repair:  # noqa: N802
        return self._write_at(
            context,
            lambda uow, who, now: repair_message(
                support.record_repair(
                    uow,
                    who,
                    vin=request.vin,
                    mileage_km=request.mileage_km,
                    work_done=request.work_done,
                    request_id=request.request_id,
                    now=now,
                )
            ),
        )

    def GetVehicleHistory(self, request: Any, context: grpc.ServicerContext) -> support_pb2.VehicleHistory:  # noqa: N802
        def work(uow: UnitOfWork, principal: Principal) -> support_pb2.VehicleHistory:
            requests, repairs = support.vehicle_history(uow, principal, request.vin)
            return support_pb2.VehicleHistory(
                vin=request.vin.strip().upper(),
                requests=[request_message(row) for row in requests],
                repairs=[repair_message(row) for row in repairs],
            )

        return self._read(context, work)

    # --- knowledge base

    def SearchArticles(self, request: Any, context: grpc.ServicerContext) -> support_pb2.SearchArticlesResponse:  # noqa: N802
        page = Page.of(request)

        def work(uow: UnitOfWork, principal: Principal) -> support_pb2.SearchArticlesResponse:
            found = knowledge.search_articles(
                uow,
                principal,
                query=request.query,
                dtc_code=request.dtc_code,
                model_code=request.model_code,
                model_year=request.model_year,
                kind=request.kind,
                include_drafts=request.include_drafts,
                offset=page.offset,
                limit=page.fetch,
            )
            return support_pb2.SearchArticlesResponse(
                articles=[article_message(row, rank) for row, rank in page.shown(found)],
                next_page_token=page.next_token(found),
            )

        return self._read(context, work)

    def GetArticle(self, request: Any, context: grpc.ServicerContext) -> support_pb2.Article:  # noqa: N802
        return self._read(context, lambda uow, who: article_message(knowledge.get_article(uow, who, request.id)))

    def DraftArticle(self, request: Any, context: grpc.ServicerContext) -> support_pb2.Article:  # noqa: N802
        draft = knowledge.ArticleDraft(
            kind=request.kind,
            title=request.title,
            symptoms=request.symptoms,
            solution=request.solution,
            dtc_codes=tuple(request.dtc_codes),
            model_codes=tuple(request.model_codes),
            year_from=request.year_from or None,
            year_to=request.year_to or None,
            vin_prefix=request.vin_prefix or None,
            serial_from=request.serial_from or None,
            serial_to=request.serial_to or None,
            bulletin_number=request.bulletin_number or None,
        )
        return self._write_at(context, lambda uow, who, now: article_message(knowledge.draft_article(uow, who, draft)))

    def DraftArticleFromRequest(self, request: Any, context: grpc.ServicerContext) -> support_pb2.Article:  # noqa: N802
        return self._write_at(
            context, lambda uow, who, now: article_message(knowledge.draft_from_request(uow, who, request.id))
        )

    def PublishArticle(self, request: Any, context: grpc.ServicerContext) -> support_pb2.Article:  # noqa: N802
        return self._write_at(
            context, lambda uow, who, now: article_message(knowledge.publish_article(uow, who, request.id, now))
        )

    def RateArticle(self, request: Any, context: grpc.ServicerContext) -> support_pb2.Article:  # noqa: N802
        return self._write_at(
            context,
            lambda uow, who, now: article_message(
                knowledge.rate_article(uow, who, request.id, request.solved, request.request_id)
            ),
        )

    def BulletinsForVehicle(  # noqa: N802
        self, request: Any, context: grpc.ServicerContext
    ) -> support_pb2.SearchArticlesResponse:
        def work(uow: UnitOfWork, principal: Principal) -> support_pb2.SearchArticlesResponse:
            model_code, model_year = support.known_model(uow, request.vin)
            bulletins = knowledge.bulletins_for_vehicle(
                uow, principal, request.vin, model_code=model_code, model_year=model_year
            )
            return support_pb2.SearchArticlesResponse(articles=[article_message(row) for row in bulletins])

        return self._read(context, work)


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
