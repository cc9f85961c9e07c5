"""Channel stock."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query

from dealernet.v1 import inventory_pb2
from gateway.backends import Services, as_dict, call
from gateway.roles import DEALER_HQ
from gateway.security import require
from plumbing.principal import Principal

router = APIRouter()


@router.get("/stock/vehicles", tags=["stock"])
async def list_vehicles(
    services: Services,
    principal: Principal = Depends(require(*DEALER_HQ)),
    model_code: str = "",
    status: str = "",
    page_size: int = Query(50, ge=1, le=500),
    page_token: str = "",
) -> dict[str, Any]:
    request = inventory_pb2.ListVehiclesRequest(
        model_code=model_code, status=status, page_size=page_size, page_token=page_token
    )
    return as_dict(await call(services.inventory.ListVehicles, request, principal))


@router.get("/stock/vehicles/{vin}", tags=["stock"])
async def get_vehicle(
    vin: str, services: Services, principal: Principal = Depends(require(*DEALER_HQ))
) -> dict[str, Any]:
    return as_dict(await call(services.inventory.GetVehicle, inventory_pb2.GetVehicleRequest(vin=vin), principal))
