"""Technical support requests from stations."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from dealernet.v1 import support_pb2
from gateway.backends import Services, as_dict, call
from gateway.roles import STATION_HQ
from gateway.security import require
from plumbing.principal import Principal, Role

router = APIRouter()


class SupportRequestBody(BaseModel):
    vin: str = Field(min_length=1, max_length=17)
    subject: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=10000)
    dtc_codes: list[str] = Field(default_factory=list, max_length=20, examples=[["P0301"]])
    priority: str = Field(default="normal", examples=["normal"])


@router.post("/support-requests", status_code=201, tags=["support"])
async def open_support_request(
    body: SupportRequestBody, services: Services, principal: Principal = Depends(require(Role.STATION))
) -> dict[str, Any]:
    return as_dict(
        await call(services.support.OpenRequest, support_pb2.OpenRequestRequest(**body.model_dump()), principal)
    )


@router.get("/support-requests", tags=["support"])
async def list_support_requests(
    services: Services,
    principal: Principal = Depends(require(*STATION_HQ)),
    status: str = "",
    page_size: int = Query(50, ge=1, le=500),
    page_token: str = "",
) -> dict[str, Any]:
    request = support_pb2.ListRequestsRequest(status=status, page_size=page_size, page_token=page_token)
    return as_dict(await call(services.support.ListRequests, request, principal))


@router.get("/support-requests/{request_id}", tags=["support"])
async def get_support_request(
    request_id: str, services: Services, principal: Principal = Depends(require(*STATION_HQ))
) -> dict[str, Any]:
    return as_dict(await call(services.support.GetRequest, support_pb2.GetRequestRequest(id=request_id), principal))
