"""The customer service's gRPC shell, serving the gateway: `python -m customer_service.grpc_api`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import grpc

from customer_service import customers, domain
from customer_service.models import CustomerRow, CustomerVehicleRow, tables
from dealernet.v1 import customer_pb2, customer_pb2_grpc
from plumbing.db import Database
from plumbing.grpc_support import Page, principal_from, serve_database_service

SERVICE = "customer"


def customer_message(row: CustomerRow, vehicles: Sequence[CustomerVehicleRow] = ()) -> customer_pb2.Customer:
    return customer_pb2.Customer(
        id=str(row.id),
        full_name=row.full_name,
        phone=row.phone or "",
        email=row.email or "",
        city=row.city or "",
        registered_by=row.registered_by or "",
        registered_at=row.registered_at.isoformat() if row.registered_at else "",
        vehicles=[
            customer_pb2.CustomerVehicle(
                vin=vehicle.vin,
                dealer_code=vehicle.dealer_code,
                order_number=vehicle.order_number,
                delivered_at=vehicle.delivered_at.isoformat(),
            )
            for vehicle in vehicles
        ],
    )


class CustomerServicer(customer_pb2_grpc.CustomerServiceServicer):
    def __init__(self, database: Database) -> None:
        self.db = database

    def RegisterCustomer(  # noqa: N802
        self, request: Any, context: grpc.ServicerContext
    ) -> customer_pb2.RegisterCustomerResponse:
        principal = principal_from(context)
        form = domain.RegistrationForm(
            full_name=request.full_name, phone=request.phone, email=request.email, city=request.city
        )
        with self.db.unit_of_work() as uow:
            result = customers.register_customer(uow, principal, form)
            uow.commit()
            return customer_pb2.RegisterCustomerResponse(
                customer=customer_message(result.customer), already_known=result.already_known
            )

    def GetCustomer(self, request: Any, context: grpc.ServicerContext) -> customer_pb2.Customer:  # noqa: N802
        principal = principal_from(context)
        with self.db.unit_of_work() as uow:
            customer = customers.get_customer(uow, principal, request.id)
            return customer_message(customer, customers.vehicles_of(uow, customer))

    def ListCustomers(  # noqa: N802
        self, request: Any, context: grpc.ServicerContext
    ) -> customer_pb2.ListCustomersResponse:
        principal = principal_from(context)
        page = Page.of(request)
        with self.db.unit_of_work() as uow:
            rows = customers.list_customers(uow, principal, offset=page.offset, limit=page.fetch)
            return customer_pb2.ListCustomersResponse(
                customers=[customer_message(row) for row in page.shown(rows)],
                next_page_token=page.next_token(rows),
            )


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
