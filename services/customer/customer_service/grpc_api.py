"""The customer service's gRPC shell, serving the gateway: `python -m customer_service.grpc_api`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import grpc

from customer_service import customers, domain
from customer_service.models import CustomerRow, CustomerVehicleRow, tables
from dealernet.v1 import customer_pb2, customer_pb2_grpc
from plumbing import settings as settings_module
from plumbing.db import Database
from plumbing.grpc_support import decode_page_token, encode_page_token, page_size, principal_from, serve

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
        offset = decode_page_token(request.page_token)
        limit = page_size(request.page_size)
        with self.db.unit_of_work() as uow:
            # Leaving the unit of work rolls back and expires the rows: read them inside.
            rows = customers.list_customers(uow, principal, offset=offset, limit=limit + 1)
            page = [customer_message(row) for row in rows[:limit]]
        more = len(rows) > limit
        return customer_pb2.ListCustomersResponse(
            customers=page,
            next_page_token=encode_page_token(offset + limit) if more else "",
        )


def main() -> None:
    database = Database(SERVICE, settings_module.load().database_url(SERVICE), tables)
    serve(
        SERVICE,
        lambda server: customer_pb2_grpc.add_CustomerServiceServicer_to_server(CustomerServicer(database), server),
        database.ping,
    )


if __name__ == "__main__":
    main()
