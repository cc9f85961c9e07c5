"""The customer master: registering and finding customers, the 360 view, consents and
interactions, headquarters' duplicate reviews and merges, and a dealer's CSV import.

Who sees a customer is the customer service's answer, not the gateway's: a dealer or station
sees the customers it has a relationship with and gets 404 for any other, in every route.
The gateway only turns away roles a route is not for (403) and bodies that cannot be right (422).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, StringConstraints, field_validator

from dealernet.v1 import customer_pb2
from gateway import roles
from gateway.backends import Services, as_dict, call, metadata_for
from gateway.problems import NOT_FOUND, REFUSED, SERVICE_UNAVAILABLE, Problem
from gateway.routes import PageSize
from gateway.security import require
from gateway.uploads import csv_answers, csv_request_body, read_csv
from plumbing.principal import Principal

router = APIRouter(tags=["customers"], responses=SERVICE_UNAVAILABLE)

# Who takes a customer's details down: those who meet customers, and headquarters' call centre.

CONSENT_CHANNELS = ("phone", "sms", "email", "post")
ConsentChannel = Literal["phone", "sms", "email", "post"]

# A dealer's whole customer list fits in far less; anything bigger is a wrong file.
MAX_IMPORT_BYTES = 20 * 1024 * 1024
# Every row of an import is registered as POST /customers would register it: a list takes far
# longer than the one lookup other calls are given time for.
IMPORT_TIMEOUT_SECONDS = 300.0

_UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


CustomerId = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, pattern=_UUID)]


class CustomerBody(BaseModel):
    """A customer's details as the dealer, station or call centre took them down. The service
    normalises them (phone to E.164, e-mail lower-cased) and checks them field by field."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    full_name: StrictStr = Field(min_length=1, max_length=200, examples=["Li Wei"])
    phone: StrictStr = Field(default="", max_length=40, examples=["+86 138 0013 8000"])
    email: StrictStr = Field(default="", max_length=254, examples=["li.wei@example.com"])
    city: StrictStr = Field(default="", max_length=100, examples=["Wuhan"])
    kind: Literal["person", "company"] = Field(default="person", examples=["person"])
    national_id: StrictStr = Field(default="", max_length=40, examples=["420106199001011234"])
    address_line: StrictStr = Field(default="", max_length=300, examples=["88 Zhongshan Road"])
    postal_code: StrictStr = Field(default="", max_length=20, examples=["430010"])
    consents: list[StrictStr] = Field(
        default_factory=list,
        max_length=len(CONSENT_CHANNELS),
        description="Channels the customer agreed to be contacted on: phone, sms, email, post.",
        examples=[["email", "sms"]],
    )

    @field_validator("consents")
    @classmethod
    def _known_channels(cls, channels: list[str]) -> list[str]:
        # Named here, rather than as a list of literals, so the answer says which channel is unknown.
        for channel in channels:
            if channel not in CONSENT_CHANNELS:
                raise ValueError(f"unknown channel {channel!r}: use {', '.join(CONSENT_CHANNELS)}")
        return channels

    def request(self) -> customer_pb2.RegisterCustomerRequest:
        return customer_pb2.RegisterCustomerRequest(**self.model_dump())


class ConsentBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    granted: StrictBool = Field(examples=[False])


class InteractionBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["call", "visit", "note"] = Field(examples=["call"])
    summary: StrictStr = Field(min_length=1, max_length=4000, examples=["Asked about a test drive of the Aurora SPORT"])
    occurred_at: StrictStr | None = Field(
        default=None,
        max_length=40,
        description="RFC 3339 with a time zone; now when left out.",
        examples=["2026-11-20T10:30:00+08:00"],
    )

    @field_validator("occurred_at")
    @classmethod
    def _a_moment(cls, raw: str | None) -> str | None:
        if raw is None:
            return None
        try:
            moment = dt.datetime.fromisoformat(raw)
        except ValueError:
            raise ValueError("must be an RFC 3339 time, e.g. 2026-11-20T10:30:00+08:00") from None
        if moment.tzinfo is None:
            raise ValueError("must carry a time zone, e.g. +08:00 or Z")
        return raw


class DecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    decision: Literal["merge", "keep_apart"] = Field(examples=["merge"])


class MergeBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    survivor_id: CustomerId = Field(examples=["6f1c1a52-52c4-4a53-9a7b-3cb0f0c6a7a1"])
    merged_id: CustomerId = Field(examples=["0b0f7c1e-8a2b-4a59-9a9e-2f1d3c7b5e10"])
    reason: StrictStr = Field(
        min_length=1, max_length=500, examples=["Same person: registered twice after moving house"]
    )


# --- Registering ----------------------------------------------------------------------------------
# Fixed paths come before /customers/{customer_id}, which would otherwise take "reviews" for an id.


@router.post(
    "/customers",
    status_code=201,
    responses={200: {"description": "The master held this customer already: that record, `already_known` true."}},
)
async def register_customer(
    body: CustomerBody,
    services: Services,
    response: Response,
    principal: Principal = Depends(require(*roles.REGISTRARS)),
) -> dict[str, Any]:
    """201 with the new customer; 200 with `already_known` true when the master clearly held
    this customer already, which is then returned and linked to the caller. Possible
    duplicates are created and counted in `queued_for_review` for headquarters to decide."""
    reply = await call(services.customers.RegisterCustomer, body.request(), principal)
    if reply.already_known:
        response.status_code = 200
    return as_dict(reply)


@router.post("/customers/duplicate-check")
async def check_duplicates(
    body: CustomerBody, services: Services, principal: Principal = Depends(require(*roles.REGISTRARS))
) -> dict[str, Any]:
    """Before registering: whether the master holds this customer. Matches come with their
    contacts masked and without saying whose customer they are; `customer_id` is filled
    only for a customer the caller already has."""
    return as_dict(await call(services.customers.CheckDuplicates, body.request(), principal))


@router.post(
    "/customers/imports",
    status_code=201,
    openapi_extra=csv_request_body(
        "full_name,phone,email,city,kind\nLi Wei,+86 138 0013 8000,li.wei@example.com,Wuhan,person\n"
    ),
    responses={
        200: {"description": "This file had been loaded before: the first report, `replayed` true."},
        **csv_answers(MAX_IMPORT_BYTES),
    },
)
async def import_customers(
    request: Request,
    services: Services,
    response: Response,
    principal: Principal = Depends(require(*roles.ACCOUNT_KEEPERS)),
    filename: str = Query(min_length=1, max_length=200, examples=["customers-2026.csv"]),
) -> dict[str, Any]:
    """A dealer's existing customer list: the CSV file itself as the request body, sent with
    `Content-Type: text/csv` (UTF-8, header row), and its name in `?filename=`; at most 20 MB.

    Good rows are registered and deduplicated as POST /customers would; bad rows come back in
    `rejected_rows` with their line and reason. 201 with the report; the same file uploaded
    again by the same dealer creates nothing and answers 200 with the first report
    (`replayed` true). The answer waits until the whole file is loaded, five minutes at most.

        curl -X POST "$GATEWAY/customers/imports?filename=customers.csv" \\
             -H "Authorization: Bearer $TOKEN" -H "Content-Type: text/csv" --data-binary @customers.csv
    """
    content = await read_csv(request, MAX_IMPORT_BYTES)
    reply = await services.customers.ImportCustomers(
        customer_pb2.ImportCustomersRequest(filename=filename, content=content),
        metadata=metadata_for(principal),
        timeout=IMPORT_TIMEOUT_SECONDS,
    )
    if reply.replayed:
        response.status_code = 200
    return as_dict(reply)


# --- Headquarters: duplicates and merges ----------------------------------------------------------


@router.get("/customers/reviews")
async def list_reviews(
    services: Services,
    principal: Principal = Depends(require(*roles.WATCHERS)),
    page_size: PageSize = 50,
    page_token: str = "",
) -> dict[str, Any]:
    """Possible duplicates waiting for headquarters, the likeliest first."""
    request = customer_pb2.ListMatchReviewsRequest(page_size=page_size, page_token=page_token)
    return as_dict(await call(services.customers.ListMatchReviews, request, principal))


@router.post("/customers/reviews/{review_id}", responses=REFUSED)
async def decide_review(
    review_id: str, body: DecisionBody, services: Services, principal: Principal = Depends(require(*roles.HQ_DECIDERS))
) -> dict[str, Any]:
    """`merge` makes the pair one customer (the older record survives); `keep_apart` records
    that they are different customers. A review is decided once: again is 409."""
    request = customer_pb2.DecideMatchReviewRequest(review_id=review_id, decision=body.decision)
    return as_dict(await call(services.customers.DecideMatchReview, request, principal))


@router.post("/customers/merges", responses=NOT_FOUND | REFUSED)
async def merge_customers(
    body: MergeBody, services: Services, principal: Principal = Depends(require(*roles.HQ_DECIDERS))
) -> dict[str, Any]:
    """Make two records one and answer with the survivor. The merged id keeps leading to the
    survivor, and other services hear of the merge and re-point their references."""
    request = customer_pb2.MergeCustomersRequest(**body.model_dump())
    return as_dict(await call(services.customers.MergeCustomers, request, principal))


# --- Finding and counting ---------------------------------------------------------------------------


@router.get("/customers", responses={403: {"description": "A dealer or station sending `dealer_code`"}})
async def list_customers(
    services: Services,
    principal: Principal = Depends(require(*roles.EVERYONE)),
    segment: Literal["", "potential", "target", "key"] = "",
    region: str = Query("", max_length=20),
    dealer_code: str = Query("", max_length=20, description="Headquarters and operations only."),
    page_size: PageSize = 50,
    page_token: str = "",
) -> dict[str, Any]:
    """A dealer or station: the customers it has a relationship with. Headquarters and
    operations: all, or with `dealer_code` those a dealer has a relationship with. A dealer or
    station sending `dealer_code` is refused with 403 rather than answered with its own list,
    so it cannot mistake the answer for another dealer's."""
    _dealer_filter_is_for_headquarters(principal, dealer_code)
    request = customer_pb2.ListCustomersRequest(
        segment=segment, region=region, dealer_code=dealer_code, page_size=page_size, page_token=page_token
    )
    return as_dict(await call(services.customers.ListCustomers, request, principal))


@router.get("/customers/counts")
async def count_customers(
    services: Services,
    principal: Principal = Depends(require(*roles.WATCHERS)),
    region: str = Query("", max_length=20),
    dealer_code: str = Query("", max_length=20),
) -> dict[str, Any]:
    """Customers per segment, region and value tier; with `dealer_code`, among those the
    dealer has a relationship with."""
    request = customer_pb2.CountCustomersRequest(region=region, dealer_code=dealer_code)
    return as_dict(await call(services.customers.CountCustomers, request, principal))


def _dealer_filter_is_for_headquarters(principal: Principal, dealer_code: str) -> None:
    if dealer_code and principal.acting_role not in roles.WATCHERS:
        raise Problem(403, "Forbidden", "dealer_code: only headquarters and operations filter by dealer")


# --- One customer -----------------------------------------------------------------------------------


@router.get("/customers/{customer_id}")
async def get_customer(
    customer_id: str, services: Services, principal: Principal = Depends(require(*roles.EVERYONE))
) -> dict[str, Any]:
    """The customer and the cars handed over to them. A merged id answers with the survivor."""
    request = customer_pb2.GetCustomerRequest(id=customer_id)
    return as_dict(await call(services.customers.GetCustomer, request, principal))


@router.get("/customers/{customer_id}/view")
async def customer_view(
    customer_id: str, services: Services, principal: Principal = Depends(require(*roles.EVERYONE))
) -> dict[str, Any]:
    """The 360 view: contacts, addresses, consents, relationships, cars, their service history
    and the interactions. A dealer or station sees its own relationships and notes, and
    headquarters' notes; headquarters sees all."""
    request = customer_pb2.GetCustomerRequest(id=customer_id)
    return as_dict(await call(services.customers.GetCustomerView, request, principal))


@router.get("/vehicles/{vin}/owner", tags=["customers"])
async def vehicle_owner(
    vin: Annotated[str, Path(min_length=1, max_length=17)],
    services: Services,
    principal: Principal = Depends(require(*roles.EVERYONE)),
) -> dict[str, Any]:
    """The 360 view of a car's owner: for a station while it works on the car (a support
    request or a repair, and 30 days after), a dealer that sold or serves the owner, and
    headquarters. Anyone else gets 404."""
    request = customer_pb2.GetVehicleOwnerRequest(vin=vin)
    return as_dict(await call(services.customers.GetVehicleOwner, request, principal))


@router.put("/customers/{customer_id}/consents/{channel}")
async def record_consent(
    customer_id: str,
    channel: ConsentChannel,
    body: ConsentBody,
    services: Services,
    principal: Principal = Depends(require(*roles.REGISTRARS)),
) -> dict[str, Any]:
    """Whether the customer agrees to be contacted on this channel; answers all their consents."""
    request = customer_pb2.RecordConsentRequest(customer_id=customer_id, channel=channel, granted=body.granted)
    return as_dict(await call(services.customers.RecordConsent, request, principal))


@router.post("/customers/{customer_id}/interactions", status_code=201)
async def add_interaction(
    customer_id: str,
    body: InteractionBody,
    services: Services,
    principal: Principal = Depends(require(*roles.REGISTRARS)),
) -> dict[str, Any]:
    """A call, visit or note about the customer."""
    request = customer_pb2.AddInteractionRequest(
        customer_id=customer_id, kind=body.kind, summary=body.summary, occurred_at=body.occurred_at or ""
    )
    return as_dict(await call(services.customers.AddInteraction, request, principal))
