"""Channel stock: cars by VIN and parts by part number, their reservations, sales, transfers
between dealers, adjustments, the ledger of movements and headquarters' summary."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints, field_validator

from dealernet.v1 import inventory_pb2
from gateway import roles
from gateway.backends import Services, as_dict, call
from gateway.problems import NOT_FOUND, REFUSED, SERVICE_UNAVAILABLE
from gateway.routes import PageSize
from gateway.security import require
from plumbing.principal import Principal

router = APIRouter(tags=["stock"], responses=SERVICE_UNAVAILABLE)

# Quantities travel as int32; anything past this is a typing slip, refused before it reaches the service.
MAX_PART_QUANTITY = 100_000

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
PartNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Vin = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=17)]
# A reason that is only blanks explains nothing.
ReasonText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
CustomerId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=36)]


class CustomerBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: CustomerId = Field(examples=["6f1c1a52-52c4-4a53-9a7b-3cb0f0c6a7a1"])


class TransferBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vin: Vin = Field(examples=["LDN2A4C19R0000001"])
    note: str = Field(default="", max_length=500, examples=["Customer wants it by Friday"])


class DeclineBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: ReasonText = Field(examples=["Promised to a walk-in customer"])


class AdjustmentBody(BaseModel):
    """A car (vin) or a part (part_number). Parts: the change on hand. Cars: -1 writes the car off,
    +1 records a car found at the location, with its model, trim and colour."""

    model_config = ConfigDict(extra="forbid")

    location_code: Code = Field(examples=["D001"])
    vin: Vin | None = Field(default=None, examples=["LDN2A4C19R0000001"])
    part_number: PartNumber | None = Field(default=None, examples=[None])
    quantity: StrictInt = Field(ge=-MAX_PART_QUANTITY, le=MAX_PART_QUANTITY, examples=[-1])
    reason: ReasonText = Field(examples=["Hail damage, written off by the insurer"])
    model_code: Code | None = Field(default=None, examples=[None])
    trim_code: Code | None = Field(default=None, examples=[None])
    colour_code: Code | None = Field(default=None, examples=[None])

    @field_validator("quantity")
    @classmethod
    def _changes_something(cls, quantity: int) -> int:
        if quantity == 0:
            raise ValueError("an adjustment of 0 changes nothing")
        return quantity


class PartMovementBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    location_code: Code = Field(examples=["S001"])
    part_number: PartNumber = Field(examples=["OF-2231"])
    quantity: StrictInt = Field(ge=1, le=MAX_PART_QUANTITY, examples=[2])
    reference: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] = Field(
        examples=["SR-000123"]
    )


class PartReceiptBody(PartMovementBody):
    # Only a receipt can bring a part new to the network, so only a receipt says what it is.
    description: str | None = Field(default=None, max_length=200, examples=["Oil filter"])


# --- Cars ---------------------------------------------------------------------------------------


@router.get("/stock/vehicles")
async def list_vehicles(
    services: Services,
    principal: Principal = Depends(require(*roles.DEALER_VIEWS)),
    model_code: str = "",
    status: str = "",
    location_code: str = "",
    page_size: PageSize = 50,
    page_token: str = "",
) -> dict[str, Any]:
    """A dealer: the cars at its location and those held for it. Headquarters and operations: all."""
    request = inventory_pb2.ListVehiclesRequest(
        model_code=model_code,
        status=status,
        location_code=location_code,
        page_size=page_size,
        page_token=page_token,
    )
    return as_dict(await call(services.inventory.ListVehicles, request, principal))


@router.get("/stock/vehicles/{vin}")
async def get_vehicle(
    vin: str, services: Services, principal: Principal = Depends(require(*roles.DEALER_VIEWS))
) -> dict[str, Any]:
    return as_dict(await call(services.inventory.GetVehicle, inventory_pb2.GetVehicleRequest(vin=vin), principal))


@router.post("/stock/vehicles/{vin}/reservation", responses=REFUSED)
async def reserve_vehicle(
    vin: str, body: CustomerBody, services: Services, principal: Principal = Depends(require(*roles.DEALERS))
) -> dict[str, Any]:
    """Holds an available car at the dealer's own location or in the maker's stock for one of its
    customers. Of two dealers asking for one car at once, one gets it and the other 409."""
    request = inventory_pb2.ReserveVehicleRequest(vin=vin, customer_id=body.customer_id)
    return as_dict(await call(services.inventory.ReserveVehicle, request, principal))


@router.delete("/stock/vehicles/{vin}/reservation", responses=REFUSED)
async def release_vehicle(
    vin: str, services: Services, principal: Principal = Depends(require(*roles.DEALERS, roles.HQ_ADMIN))
) -> dict[str, Any]:
    request = inventory_pb2.ReleaseVehicleRequest(vin=vin)
    return as_dict(await call(services.inventory.ReleaseVehicle, request, principal))


@router.post("/stock/vehicles/{vin}/sale", responses=REFUSED)
async def sell_vehicle(
    vin: str, body: CustomerBody, services: Services, principal: Principal = Depends(require(*roles.DEALERS))
) -> dict[str, Any]:
    request = inventory_pb2.SellVehicleRequest(vin=vin, customer_id=body.customer_id)
    return as_dict(await call(services.inventory.SellVehicle, request, principal))


@router.get("/stock/network")
async def search_network(
    services: Services,
    principal: Principal = Depends(require(*roles.DEALER_VIEWS)),
    model_code: str = "",
    trim_code: str = "",
    colour_code: str = "",
    region: str = "",
    page_size: PageSize = 50,
    page_token: str = "",
) -> dict[str, Any]:
    """Cars available elsewhere in the network, to ask a transfer of: where they are, never their
    holder's customers or prices."""
    request = inventory_pb2.SearchNetworkStockRequest(
        model_code=model_code,
        trim_code=trim_code,
        colour_code=colour_code,
        region=region,
        page_size=page_size,
        page_token=page_token,
    )
    return as_dict(await call(services.inventory.SearchNetworkStock, request, principal))


# --- Transfers between dealers ------------------------------------------------------------------


@router.post("/stock/transfers", status_code=201, responses=NOT_FOUND | REFUSED)
async def request_transfer(
    body: TransferBody, services: Services, principal: Principal = Depends(require(*roles.DEALERS))
) -> dict[str, Any]:
    """Asks the dealer holding a car to give it."""
    request = inventory_pb2.RequestTransferRequest(vin=body.vin, note=body.note)
    return as_dict(await call(services.inventory.RequestTransfer, request, principal))


@router.get("/stock/transfers")
async def list_transfers(
    services: Services,
    principal: Principal = Depends(require(*roles.DEALER_VIEWS)),
    status: str = "",
    page_size: PageSize = 50,
    page_token: str = "",
) -> dict[str, Any]:
    request = inventory_pb2.ListTransfersRequest(status=status, page_size=page_size, page_token=page_token)
    return as_dict(await call(services.inventory.ListTransfers, request, principal))


@router.get("/stock/transfers/{transfer_number}")
async def get_transfer(
    transfer_number: str, services: Services, principal: Principal = Depends(require(*roles.DEALER_VIEWS))
) -> dict[str, Any]:
    request = inventory_pb2.GetTransferRequest(transfer_number=transfer_number)
    return as_dict(await call(services.inventory.GetTransfer, request, principal))


@router.post("/stock/transfers/{transfer_number}/approve", responses=REFUSED)
async def approve_transfer(
    transfer_number: str, services: Services, principal: Principal = Depends(require(*roles.DEALER_DECIDERS))
) -> dict[str, Any]:
    """The giving dealer, then headquarters when the two dealers are in different regions."""
    request = inventory_pb2.TransferActionRequest(transfer_number=transfer_number)
    return as_dict(await call(services.inventory.ApproveTransfer, request, principal))


@router.post("/stock/transfers/{transfer_number}/decline", responses=REFUSED)
async def decline_transfer(
    transfer_number: str,
    body: DeclineBody,
    services: Services,
    principal: Principal = Depends(require(*roles.DEALER_DECIDERS)),
) -> dict[str, Any]:
    request = inventory_pb2.TransferActionRequest(transfer_number=transfer_number, reason=body.reason)
    return as_dict(await call(services.inventory.DeclineTransfer, request, principal))


@router.post("/stock/transfers/{transfer_number}/cancel", responses=REFUSED)
async def cancel_transfer(
    transfer_number: str, services: Services, principal: Principal = Depends(require(*roles.DEALERS))
) -> dict[str, Any]:
    """The asking dealer, before the car is shipped."""
    request = inventory_pb2.TransferActionRequest(transfer_number=transfer_number)
    return as_dict(await call(services.inventory.CancelTransfer, request, principal))


@router.post("/stock/transfers/{transfer_number}/ship", responses=REFUSED)
async def ship_transfer(
    transfer_number: str, services: Services, principal: Principal = Depends(require(*roles.DEALERS))
) -> dict[str, Any]:
    """The giving dealer: the car stays its own, and sellable by neither side, until received."""
    request = inventory_pb2.TransferActionRequest(transfer_number=transfer_number)
    return as_dict(await call(services.inventory.ShipTransfer, request, principal))


@router.post("/stock/transfers/{transfer_number}/receive", responses=REFUSED)
async def receive_transfer(
    transfer_number: str, services: Services, principal: Principal = Depends(require(*roles.DEALERS))
) -> dict[str, Any]:
    """The asking dealer: the car has arrived and joins its stock."""
    request = inventory_pb2.TransferActionRequest(transfer_number=transfer_number)
    return as_dict(await call(services.inventory.ReceiveTransfer, request, principal))


# --- Corrections and parts ----------------------------------------------------------------------


@router.post("/stock/adjustments", status_code=201, responses=NOT_FOUND | REFUSED)
async def adjust_stock(
    body: AdjustmentBody, services: Services, principal: Principal = Depends(require(*roles.STOCK_CORRECTORS))
) -> dict[str, Any]:
    """Headquarters anywhere, a dealer or station at its own location. Answers the movement recorded."""
    request = inventory_pb2.AdjustStockRequest(**body.model_dump(exclude_none=True))
    return as_dict(await call(services.inventory.AdjustStock, request, principal))


async def _move_parts(method: Any, body: PartMovementBody, principal: Principal) -> dict[str, Any]:
    request = inventory_pb2.PartMovementRequest(**body.model_dump(exclude_none=True))
    return as_dict(await call(method, request, principal))


@router.post("/stock/parts/receipts", responses=NOT_FOUND | REFUSED)
async def receive_parts(
    body: PartReceiptBody, services: Services, principal: Principal = Depends(require(*roles.STOCK_KEEPERS))
) -> dict[str, Any]:
    """Parts arrived at a location. Answers the part's balance there."""
    return await _move_parts(services.inventory.ReceiveParts, body, principal)


@router.post("/stock/parts/reservations", responses=NOT_FOUND | REFUSED)
async def reserve_parts(
    body: PartMovementBody, services: Services, principal: Principal = Depends(require(*roles.STOCK_KEEPERS))
) -> dict[str, Any]:
    """Holds parts on hand for a repair; never more than are available."""
    return await _move_parts(services.inventory.ReserveParts, body, principal)


@router.post("/stock/parts/releases", responses=NOT_FOUND | REFUSED)
async def release_parts(
    body: PartMovementBody, services: Services, principal: Principal = Depends(require(*roles.STOCK_KEEPERS))
) -> dict[str, Any]:
    return await _move_parts(services.inventory.ReleaseParts, body, principal)


@router.post("/stock/parts/issues", responses=NOT_FOUND | REFUSED)
async def issue_parts(
    body: PartMovementBody, services: Services, principal: Principal = Depends(require(*roles.STOCK_KEEPERS))
) -> dict[str, Any]:
    """Parts fitted: they leave the stock."""
    return await _move_parts(services.inventory.IssueParts, body, principal)


@router.get("/stock/parts/{part_number}/availability")
async def part_availability(
    part_number: str,
    services: Services,
    principal: Principal = Depends(require(*roles.EVERYONE)),
    location_code: str = Query("", description="Headquarters only: whose neighbourhood; others get their own."),
) -> dict[str, Any]:
    """A part's availability at the caller's location and the nearest others."""
    request = inventory_pb2.GetPartAvailabilityRequest(part_number=part_number, location_code=location_code)
    return as_dict(await call(services.inventory.GetPartAvailability, request, principal))


# --- Headquarters' view, the ledger and the locations -------------------------------------------


@router.get("/stock/summary")
async def stock_summary(
    services: Services,
    principal: Principal = Depends(require(*roles.WATCHERS)),
    group_by: Literal["region", "location", "model"] = "region",
    region: str = "",
    model_code: str = "",
    page_size: PageSize = 50,
    page_token: str = "",
) -> dict[str, Any]:
    """Stock by region, location or model, with its age and days of supply; counts as of the
    service's last periodic recomputation."""
    request = inventory_pb2.GetStockSummaryRequest(
        group_by=group_by, region=region, model_code=model_code, page_size=page_size, page_token=page_token
    )
    return as_dict(await call(services.inventory.GetStockSummary, request, principal))


@router.get("/stock/movements")
async def list_movements(
    services: Services,
    principal: Principal = Depends(require(*roles.EVERYONE)),
    location_code: str = "",
    vin: str = "",
    part_number: str = "",
    page_size: PageSize = 50,
    page_token: str = "",
) -> dict[str, Any]:
    """The ledger, newest first: headquarters and operations all of it, a dealer or station its own location."""
    request = inventory_pb2.ListMovementsRequest(
        location_code=location_code, vin=vin, part_number=part_number, page_size=page_size, page_token=page_token
    )
    return as_dict(await call(services.inventory.ListMovements, request, principal))


@router.get("/stock/locations")
async def list_locations(
    services: Services,
    principal: Principal = Depends(require(*roles.EVERYONE)),
    region: str = "",
    kind: str = "",
    page_size: PageSize = 50,
    page_token: str = "",
) -> dict[str, Any]:
    request = inventory_pb2.ListLocationsRequest(region=region, kind=kind, page_size=page_size, page_token=page_token)
    return as_dict(await call(services.inventory.ListLocations, request, principal))
