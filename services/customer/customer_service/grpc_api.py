"""The customer service's gRPC shell, serving the gateway: `python -m customer_service.grpc_api`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, TypeVar

import grpc

from customer_service import customers, domain, imports
from customer_service.models import CustomerRow, CustomerVehicleRow, InteractionRow, MatchReviewRow, tables
from dealernet.v1 import customer_pb2, customer_pb2_grpc
from plumbing.db import UnitOfWork
from plumbing.errors import ValidationFailed
from plumbing.grpc_support import Page, UnitOfWorkServicer, serve_database_service
from plumbing.principal import Principal

SERVICE = "customer"

T = TypeVar("T")


def _time(moment: dt.datetime | None) -> str:
    return moment.isoformat() if moment else ""


def customer_message(row: CustomerRow, vehicles: Sequence[CustomerVehicleRow] = ()) -> customer_pb2.Customer:
    return customer_pb2.Customer(
        id=str(row.id),
        full_name=row.full_name,
        phone=row.phone or "",
        email=row.email or "",
        city=row.city or "",
        registered_by=row.registered_by or "",
        registered_at=_time(row.registered_at),
        vehicles=[
            customer_pb2.CustomerVehicle(
                vin=vehicle.vin,
                dealer_code=vehicle.dealer_code,
                order_number=vehicle.order_number or "",
                delivered_at=_time(vehicle.delivered_at),
            )
            for vehicle in vehicles
        ],
        kind=row.kind,
        national_id=row.national_id or "",
        region=row.region or "",
        source_channel=row.source_channel,
        segment=row.segment,
        value_tier=row.value_tier,
        purchases=row.purchases,
        purchase_value_minor=row.purchase_value_minor,
        services=row.services,
    )


def interaction_message(row: InteractionRow) -> customer_pb2.Interaction:
    return customer_pb2.Interaction(
        id=str(row.id),
        kind=row.kind,
        summary=row.summary,
        org_code=row.org_code or "",
        recorded_by=row.recorded_by,
        occurred_at=_time(row.occurred_at),
    )


def view_message(view: customers.CustomerView) -> customer_pb2.CustomerView:
    return customer_pb2.CustomerView(
        customer=customer_message(view.customer, view.vehicles),
        contacts=[customer_pb2.Contact(kind=c.kind, value=c.value) for c in view.contacts],
        addresses=[
            customer_pb2.Address(
                kind=a.kind, line=a.line, postal_code=a.postal_code or "", city=a.city or "", country=a.country or ""
            )
            for a in view.addresses
        ],
        consents=[
            customer_pb2.Consent(
                channel=c.channel, granted=c.granted, recorded_by=c.recorded_by, recorded_at=_time(c.recorded_at)
            )
            for c in view.consents
        ],
        relationships=[
            customer_pb2.Relationship(
                org_code=r.org_code, kind=r.kind, since=_time(r.since), expires_at=_time(r.expires_at)
            )
            for r in view.relationships
        ],
        service_history=[
            customer_pb2.ServiceEvent(
                vin=e.vin,
                station_code=e.station_code,
                kind=e.kind,
                reference=e.reference,
                summary=e.summary or "",
                occurred_at=_time(e.occurred_at),
            )
            for e in view.service_history
        ],
        interactions=[interaction_message(i) for i in view.interactions],
        merged_ids=[str(i) for i in view.merged_ids],
    )


def review_message(uow: UnitOfWork, row: MatchReviewRow) -> customer_pb2.MatchReview:
    customer, candidate = uow.session.get(CustomerRow, row.customer_id), uow.session.get(CustomerRow, row.candidate_id)
    return customer_pb2.MatchReview(
        id=str(row.id),
        customer=customer_message(customer) if customer else None,
        candidate=customer_message(candidate) if candidate else None,
        score=row.score,
        reasons=list(row.reasons),
        status=row.status,
        created_at=_time(row.created_at),
    )


def registration_form(request: Any) -> domain.RegistrationForm:
    return domain.RegistrationForm(
        full_name=request.full_name,
        phone=request.phone,
        email=request.email,
        city=request.city,
        kind=request.kind or "person",
        national_id=request.national_id,
        address_line=request.address_line,
        postal_code=request.postal_code,
        consents=tuple(request.consents),
    )


def _moment(raw: str, field: str) -> dt.datetime | None:
    if not raw:
        return None
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed.one(field, "must be an RFC 3339 time") from None
    if moment.tzinfo is None:
        raise ValidationFailed.one(field, "must carry a time zone")
    return moment


class CustomerServicer(UnitOfWorkServicer, customer_pb2_grpc.CustomerServiceServicer):
    def RegisterCustomer(  # noqa: N802
        self, request: Any, context: grpc.ServicerContext
    ) -> customer_pb2.RegisterCustomerResponse:
        def work(uow: UnitOfWork, principal: Principal) -> customer_pb2.RegisterCustomerResponse:
            result = customers.register_customer(uow, principal, registration_form(request))
            return customer_pb2.RegisterCustomerResponse(
                customer=customer_message(result.customer),
                already_known=result.already_known,
                queued_for_review=result.queued_for_review,
            )

        return self._write(context, work)

    def CheckDuplicates(self, request: Any, context: grpc.ServicerContext) -> customer_pb2.DuplicateCheck:  # noqa: N802
        def work(uow: UnitOfWork, principal: Principal) -> customer_pb2.DuplicateCheck:
            hints = customers.check_duplicates(uow, principal, registration_form(request))
            return customer_pb2.DuplicateCheck(
                exists=bool(hints),
                matches=[
                    customer_pb2.DuplicateHint(
                        decision=h.decision,
                        masked_phone=h.masked_phone,
                        masked_email=h.masked_email,
                        customer_id=h.customer_id,
                    )
                    for h in hints
                ],
            )

        return self._read(context, work)

    def GetCustomer(self, request: Any, context: grpc.ServicerContext) -> customer_pb2.Customer:  # noqa: N802
        def work(uow: UnitOfWork, principal: Principal) -> customer_pb2.Customer:
            customer = customers.get_customer(uow, principal, request.id)
            return customer_message(customer, customers.vehicles_of(uow, customer))

        return self._read(context, work)

    def GetCustomerView(self, request: Any, context: grpc.ServicerContext) -> customer_pb2.CustomerView:  # noqa: N802
        return self._read(context, lambda uow, who: view_message(customers.customer_view(uow, who, request.id)))

    def GetVehicleOwner(self, request: Any, context: grpc.ServicerContext) -> customer_pb2.CustomerView:  # noqa: N802
        return self._read(context, lambda uow, who: view_message(customers.owner_view(uow, who, request.vin)))

    def ListCustomers(  # noqa: N802
        self, request: Any, context: grpc.ServicerContext
    ) -> customer_pb2.ListCustomersResponse:
        page = Page.of(request)

        def work(uow: UnitOfWork, principal: Principal) -> customer_pb2.ListCustomersResponse:
            rows = customers.list_customers(
                uow,
                principal,
                offset=page.offset,
                limit=page.fetch,
                segment=request.segment,
                region=request.region,
                dealer_code=request.dealer_code,
            )
            return customer_pb2.ListCustomersResponse(
                customers=[customer_message(row) for row in page.shown(rows)], next_page_token=page.next_token(rows)
            )

        return self._read(context, work)

    def CountCustomers(self, request: Any, context: grpc.ServicerContext) -> customer_pb2.CustomerCounts:  # noqa: N802
        def work(uow: UnitOfWork, principal: Principal) -> customer_pb2.CustomerCounts:
            counts = customers.count_by_segment(uow, principal, region=request.region, dealer_code=request.dealer_code)
            return customer_pb2.CustomerCounts(
                counts=[
                    customer_pb2.CustomerCount(
                        segment=c.segment, region=c.region, value_tier=c.value_tier, customers=c.customers
                    )
                    for c in counts
                ],
                total=sum(c.customers for c in counts),
            )

        return self._read(context, work)

    def RecordConsent(self, request: Any, context: grpc.ServicerContext) -> customer_pb2.ConsentList:  # noqa: N802
        def work(uow: UnitOfWork, principal: Principal) -> customer_pb2.ConsentList:
            rows = customers.record_consent(uow, principal, request.customer_id, request.channel, request.granted)
            return customer_pb2.ConsentList(
                consents=[
                    customer_pb2.Consent(
                        channel=c.channel,
                        granted=c.granted,
                        recorded_by=c.recorded_by,
                        recorded_at=_time(c.recorded_at),
                    )
                    for c in sorted(rows, key=lambda c: c.channel)
                ]
            )

        return self._write(context, work)

    def AddInteraction(self, request: Any, context: grpc.ServicerContext) -> customer_pb2.Interaction:  # noqa: N802
        return self._write(
            context,
            lambda uow, who: interaction_message(
                customers.add_interaction(
                    uow,
                    who,
                    request.customer_id,
                    request.kind,
                    request.summary,
                    _moment(request.occurred_at, "occurred_at"),
                )
            ),
        )

    def ListMatchReviews(  # noqa: N802
        self, request: Any, context: grpc.ServicerContext
    ) -> customer_pb2.ListMatchReviewsResponse:
        page = Page.of(request)

        def work(uow: UnitOfWork, principal: Principal) -> customer_pb2.ListMatchReviewsResponse:
            rows = customers.list_reviews(uow, principal, offset=page.offset, limit=page.fetch)
            return customer_pb2.ListMatchReviewsResponse(
                reviews=[review_message(uow, row) for row in page.shown(rows)], next_page_token=page.next_token(rows)
            )

        return self._read(context, work)

    def DecideMatchReview(self, request: Any, context: grpc.ServicerContext) -> customer_pb2.MatchReview:  # noqa: N802
        if request.decision not in ("merge", "keep_apart"):
            raise ValidationFailed.one("decision", "must be merge or keep_apart")

        def work(uow: UnitOfWork, principal: Principal) -> customer_pb2.MatchReview:
            row = customers.decide_review(uow, principal, request.review_id, request.decision == "merge")
            return review_message(uow, row)

        return self._write(context, work)

    def MergeCustomers(self, request: Any, context: grpc.ServicerContext) -> customer_pb2.Customer:  # noqa: N802
        def work(uow: UnitOfWork, principal: Principal) -> customer_pb2.Customer:
            survivor = customers.merge_customers(
                uow, principal, request.survivor_id, request.merged_id, reason=request.reason
            )
            return customer_message(survivor)

        return self._write(context, work)

    def ImportCustomers(self, request: Any, context: grpc.ServicerContext) -> customer_pb2.ImportReport:  # noqa: N802
        def work(uow: UnitOfWork, principal: Principal) -> customer_pb2.ImportReport:
            report = imports.import_customers(uow, principal, request.filename, request.content)
            return customer_pb2.ImportReport(
                import_id=str(report.import_id),
                filename=report.filename,
                rows=report.rows,
                created=report.created,
                linked=report.linked,
                queued_for_review=report.queued_for_review,
                rejected=report.rejected,
                rejected_rows=[
                    customer_pb2.RejectedRow(line=r.line, field=r.field, reason=r.reason) for r in report.rejected_rows
                ],
                replayed=report.replayed,
                imported_at=_time(report.imported_at),
            )

        return self._write(context, work)


def main() -> None:
    serve_database_service(
        SERVICE,
        tables,
        lambda database, server: customer_pb2_grpc.add_CustomerServiceServicer_to_server(
            CustomerServicer(database), server
        ),
    )


if __name__ == "__main__":
    main()
