"""The customer master."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from dealernet.v1 import customer_pb2
from gateway.backends import Services, as_dict, call
from gateway.roles import CHANNEL
from gateway.security import require
from plumbing.principal import Principal

router = APIRouter()


class CustomerRequest(BaseModel):
    full_name: str = Field(min_length=1, max_length=200)
    phone: str = Field(default="", max_length=40, examples=["+86 21 5555 0101"])
    email: str = Field(default="", max_length=200)
    city: str = Field(default="", max_length=100)


@router.post("/customers", status_code=201, tags=["customers"])
async def register_customer(
    body: CustomerRequest, services: Services, principal: Principal = Depends(require(*CHANNEL))
) -> dict[str, Any]:
    request = customer_pb2.RegisterCustomerRequest(**body.model_dump())
    return as_dict(await call(services.customers.RegisterCustomer, request, principal))


@router.get("/customers", tags=["customers"])
async def list_customers(
    services: Services,
    principal: Principal = Depends(require(*CHANNEL)),
    page_size: int = Query(50, ge=1, le=500),
    page_token: str = "",
) -> dict[str, Any]:
    request = customer_pb2.ListCustomersRequest(page_size=page_size, page_token=page_token)
    return as_dict(await call(services.customers.ListCustomers, request, principal))


@router.get("/customers/{customer_id}", tags=["customers"])
async def get_customer(
    customer_id: str, services: Services, principal: Principal = Depends(require(*CHANNEL))
) -> dict[str, Any]:
    return as_dict(
        await call(services.customers.GetCustomer, customer_pb2.GetCustomerRequest(id=customer_id), principal)
    )
