"""The repair stations' technical support desk: support requests and their threads, the
deadline watch and the desk's performance, a car's service history and bulletins, and the
knowledge base.

Who sees a request is the station service's answer, not the gateway's: a station sees its own
requests and gets 404 for any other, in every route; the maker's engineers see them all. The
gateway turns away roles a route is not for (403) and bodies that cannot be right (422, naming
the field).

A dealer reads (never writes) the requests, threads and service history of the stations it
runs (the station service's `station_operators`), and nothing of any other station: its
lists are empty and any request is 404.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from dealernet.v1 import support_pb2
from gateway import roles
from gateway.backends import Services, as_dict, call
from gateway.problems import REFUSED, SERVICE_UNAVAILABLE, Problem
from gateway.routes import PageSize
from gateway.security import require
from plumbing.principal import Principal, Role

router = APIRouter(responses=SERVICE_UNAVAILABLE)

# Who writes in a request's thread and may close it: the station that opened it and the desk.
# Operations watch the desk but do not answer.
THREAD_WRITERS = roles.STATIONS + roles.SUPPORT_DESK

MAX_TEXT = 10_000
MAX_ARTICLE_TEXT = 20_000
MAX_MILEAGE_KM = 2_000_000

RequestId = Annotated[str, Path(max_length=64, examples=["9d1c2b4e-6a0f-4c3e-8b1d-2f7e5a9c0d13"])]
ArticleId = Annotated[str, Path(max_length=64, examples=["4b7e0c1a-3d2f-4e5a-9b8c-1a2b3c4d5e6f"])]
Vin = Annotated[str, Path(min_length=1, max_length=17, examples=["LDN2A4C19R0000001"])]


class _Body(BaseModel):
    # Strict: a number sent as a string, or a flag sent as 1, is refused naming the field
    # rather than read as something the station did not mean.
    model_config = ConfigDict(extra="forbid", strict=True)


class OpenRequestBody(_Body):
    vin: StrictStr = Field(min_length=1, max_length=17, examples=["LDN2A4C19R0000001"])
    subject: StrictStr = Field(min_length=1, max_length=200, examples=["Misfire on cylinder 1 under load"])
    description: StrictStr = Field(
        min_length=1, max_length=MAX_TEXT, examples=["P0301 returns after plug and coil swap; compression in spec."]
    )
    dtc_codes: list[StrictStr] = Field(default_factory=list, max_length=20, examples=[["P0301"]])
    priority: StrictStr = Field(
        default="normal", max_length=20, description="low, normal, high or critical", examples=["high"]
    )
    model_code: StrictStr = Field(default="", max_length=20, examples=["AUR"])
    # Left out when the station does not know; 0 would read as "not given" further on.
    model_year: StrictInt | None = Field(default=None, ge=1980, le=2100, examples=[2024])
    mileage_km: StrictInt | None = Field(default=None, ge=1, le=MAX_MILEAGE_KM, examples=[48_200])

    def request(self) -> support_pb2.OpenRequestRequest:
        return support_pb2.OpenRequestRequest(**self.model_dump(exclude_none=True))


class TakeBody(_Body):
    engineer: StrictStr = Field(
        default="", max_length=200, description="Assign to this engineer; the caller when left out.", examples=[""]
    )


class MessageBody(_Body):
    body: StrictStr = Field(min_length=1, max_length=MAX_TEXT, examples=["Please send the fuel trims at idle."])
    asks_station: StrictBool = Field(
        default=False,
        description="The desk asks the station something: the deadline clock stops until the station answers.",
        examples=[True],
    )


class ResolveBody(_Body):
    resolution: StrictStr = Field(
        min_length=1, max_length=MAX_TEXT, examples=["Replace injector harness connector C104; known chafing point."]
    )


class CloseBody(_Body):
    rating: StrictInt | None = Field(
        default=None, ge=1, le=5, description="The station's rating of the answer, 1 to 5.", examples=[5]
    )
    comment: StrictStr = Field(default="", max_length=2000, examples=["Fixed on the first try."])


class RepairBody(_Body):
    mileage_km: StrictInt = Field(ge=1, le=MAX_MILEAGE_KM, examples=[48_350])
    work_done: StrictStr = Field(min_length=1, max_length=MAX_TEXT, examples=["Replaced connector C104."])
    request_id: StrictStr = Field(
        default="", max_length=64, description="The support request this repair answers.", examples=[""]
    )


class ArticleBody(_Body):
    """An article of a known problem and its solution, or a technical service bulletin, as a draft."""

    kind: Literal["article", "bulletin"] = Field(examples=["article"])
    title: StrictStr = Field(min_length=1, max_length=300, examples=["Misfire on cylinder 1: chafed injector harness"])
    symptoms: StrictStr = Field(default="", max_length=MAX_ARTICLE_TEXT, examples=["Rough idle, P0301 under load."])
    solution: StrictStr = Field(min_length=1, max_length=MAX_ARTICLE_TEXT, examples=["Replace connector C104."])
    dtc_codes: list[StrictStr] = Field(default_factory=list, max_length=20, examples=[["P0301"]])
    model_codes: list[StrictStr] = Field(default_factory=list, max_length=50, examples=[["AUR"]])
    year_from: StrictInt | None = Field(default=None, ge=1980, le=2099, examples=[2023])
    year_to: StrictInt | None = Field(default=None, ge=1980, le=2099, examples=[2025])
    vin_prefix: StrictStr = Field(
        default="", max_length=11, description="Bulletins: a VIN's first 11 characters.", examples=[""]
    )
    # Serial 0 would read as "no bound" further on, and no plant numbers a car 0.
    serial_from: StrictInt | None = Field(default=None, ge=1, le=999_999, examples=[1])
    serial_to: StrictInt | None = Field(default=None, ge=1, le=999_999, examples=[20_000])
    bulletin_number: StrictStr = Field(default="", max_length=30, examples=[""])

    def request(self) -> support_pb2.DraftArticleRequest:
        return support_pb2.DraftArticleRequest(**self.model_dump(exclude_none=True))


class FeedbackBody(_Body):
    solved: StrictBool = Field(examples=[True])
    request_id: StrictStr = Field(
        default="", max_length=64, description="The station's support request the article was tried on.", examples=[""]
    )


# --- Support requests -------------------------------------------------------------------------------


@router.post("/support-requests", status_code=201, tags=["support"])
async def open_support_request(
    body: OpenRequestBody, services: Services, principal: Principal = Depends(require(*roles.STATIONS))
) -> dict[str, Any]:
    """Opens a request; the answer carries the most similar solved requests and articles."""
    return as_dict(await call(services.support.OpenRequest, body.request(), principal))


@router.get("/support-requests", tags=["support"])
async def list_support_requests(
    services: Services,
    principal: Principal = Depends(require(*roles.EVERYONE)),
    status: str = Query("", max_length=30, description="open, in_progress, waiting_on_station, resolved, closed"),
    priority: str = Query("", max_length=20),
    region: str = Query("", max_length=50),
    model_code: str = Query("", max_length=20),
    older_than_hours: int = Query(0, ge=0, le=24 * 365, description="Only requests open at least this long."),
    unassigned: bool = Query(False, description="Only requests no engineer has taken."),
    engineer: str = Query("", max_length=200),
    page_size: PageSize = 50,
    page_token: str = "",
) -> dict[str, Any]:
    """A station's own requests, newest first; for headquarters, the queue, soonest deadline first."""
    request = support_pb2.ListRequestsRequest(
        status=status,
        priority=priority,
        region=region,
        model_code=model_code,
        older_than_hours=older_than_hours,
        unassigned=unassigned,
        engineer=engineer,
        page_size=page_size,
        page_token=page_token,
    )
    return as_dict(await call(services.support.ListRequests, request, principal))


@router.get("/support-requests/{request_id}", tags=["support"])
async def get_support_request(
    request_id: RequestId, services: Services, principal: Principal = Depends(require(*roles.EVERYONE))
) -> dict[str, Any]:
    return as_dict(await call(services.support.GetRequest, support_pb2.GetRequestRequest(id=request_id), principal))


@router.post("/support-requests/{request_id}/take", tags=["support"], responses=REFUSED)
async def take_support_request(
    request_id: RequestId,
    services: Services,
    body: TakeBody | None = None,
    principal: Principal = Depends(require(*roles.SUPPORT_DESK)),
) -> dict[str, Any]:
    """An engineer takes the request, or assigns it to the engineer named."""
    engineer = body.engineer if body else ""
    request = support_pb2.TakeRequestRequest(id=request_id, engineer=engineer)
    return as_dict(await call(services.support.TakeRequest, request, principal))


@router.post("/support-requests/{request_id}/messages", tags=["support"], responses=REFUSED)
async def post_support_message(
    request_id: RequestId,
    body: MessageBody,
    services: Services,
    principal: Principal = Depends(require(*THREAD_WRITERS)),
) -> dict[str, Any]:
    """Writes in the request's thread; answers with the request, its status and deadlines as they now stand."""
    request = support_pb2.PostMessageRequest(id=request_id, body=body.body, asks_station=body.asks_station)
    return as_dict(await call(services.support.PostMessage, request, principal))


@router.get("/support-requests/{request_id}/messages", tags=["support"])
async def list_support_messages(
    request_id: RequestId, services: Services, principal: Principal = Depends(require(*roles.EVERYONE))
) -> dict[str, Any]:
    request = support_pb2.GetRequestRequest(id=request_id)
    return as_dict(await call(services.support.ListMessages, request, principal))


@router.post("/support-requests/{request_id}/resolve", tags=["support"], responses=REFUSED)
async def resolve_support_request(
    request_id: RequestId,
    body: ResolveBody,
    services: Services,
    principal: Principal = Depends(require(*roles.SUPPORT_DESK)),
) -> dict[str, Any]:
    request = support_pb2.ResolveRequestRequest(id=request_id, resolution=body.resolution)
    return as_dict(await call(services.support.ResolveRequest, request, principal))


@router.post("/support-requests/{request_id}/close", tags=["support"], responses=REFUSED)
async def close_support_request(
    request_id: RequestId,
    services: Services,
    body: CloseBody | None = None,
    principal: Principal = Depends(require(*THREAD_WRITERS)),
) -> dict[str, Any]:
    """Closes the request; the station rates the answer, the desk closes without a rating."""
    closing = body or CloseBody()
    request = support_pb2.CloseRequestRequest(id=request_id, rating=closing.rating or 0, comment=closing.comment)
    return as_dict(await call(services.support.CloseRequest, request, principal))


@router.post("/support-requests/{request_id}/reopen", tags=["support"], responses=REFUSED)
async def reopen_support_request(
    request_id: RequestId, services: Services, principal: Principal = Depends(require(*roles.STATIONS))
) -> dict[str, Any]:
    """The problem came back: within 30 days of the request's end."""
    request = support_pb2.GetRequestRequest(id=request_id)
    return as_dict(await call(services.support.ReopenRequest, request, principal))


# --- Deadlines and performance ---------------------------------------------------------------------


@router.get("/support/breaches", tags=["support"])
async def list_breaches(
    services: Services,
    principal: Principal = Depends(require(*roles.WATCHERS)),
    horizon_hours: int = Query(
        4, ge=1, le=24 * 30, description="Also list requests whose resolution deadline falls within this many hours."
    ),
    page_size: PageSize = 50,
    page_token: str = "",
) -> dict[str, Any]:
    """Requests past a deadline, then those predicted to pass one within the horizon."""
    request = support_pb2.ListBreachesRequest(horizon_hours=horizon_hours, page_size=page_size, page_token=page_token)
    return as_dict(await call(services.support.ListBreaches, request, principal))


@router.get("/support/performance", tags=["support"])
async def performance(
    services: Services,
    principal: Principal = Depends(require(*roles.WATCHERS)),
    group_by: Literal["station", "region", "engineer"] = "station",
    since: str = Query(
        "", max_length=40, description="RFC 3339; the last 90 days when left out.", examples=["2026-09-01T00:00:00Z"]
    ),
) -> dict[str, Any]:
    """Satisfaction and deadline performance of the requests opened since then."""
    request = support_pb2.GetPerformanceRequest(group_by=group_by, since=since)
    return as_dict(await call(services.support.GetPerformance, request, principal))


# --- A car's service history and bulletins ----------------------------------------------------------


@router.post("/vehicles/{vin}/repairs", status_code=201, tags=["support"])
async def record_repair(
    vin: Vin, body: RepairBody, services: Services, principal: Principal = Depends(require(*roles.STATIONS))
) -> dict[str, Any]:
    request = support_pb2.RecordRepairRequest(
        vin=vin, mileage_km=body.mileage_km, work_done=body.work_done, request_id=body.request_id
    )
    return as_dict(await call(services.support.RecordRepair, request, principal))


@router.get("/vehicles/{vin}/service-history", tags=["support"])
async def service_history(
    vin: Vin, services: Services, principal: Principal = Depends(require(*roles.EVERYONE))
) -> dict[str, Any]:
    """The car's support requests and repairs: a station's own, or all of them for headquarters."""
    request = support_pb2.GetVehicleHistoryRequest(vin=vin)
    return as_dict(await call(services.support.GetVehicleHistory, request, principal))


@router.get("/vehicles/{vin}/bulletins", tags=["knowledge base"])
async def bulletins_for_vehicle(
    vin: Vin, services: Services, principal: Principal = Depends(require(*roles.EVERYONE))
) -> dict[str, Any]:
    """The published technical service bulletins that apply to the car."""
    request = support_pb2.GetVehicleHistoryRequest(vin=vin)
    return as_dict(await call(services.support.BulletinsForVehicle, request, principal))


# --- Knowledge base ---------------------------------------------------------------------------------
# /knowledge/articles/from-request/{request_id} comes before the routes under
# /knowledge/articles/{article_id}, which would otherwise take "from-request" for an id.


@router.get(
    "/knowledge/articles",
    tags=["knowledge base"],
    responses={403: {"description": "`include_drafts` by anyone but headquarters"}},
)
async def search_articles(
    services: Services,
    principal: Principal = Depends(require(*roles.EVERYONE)),
    query: str = Query("", max_length=500, description='Words; "quoted phrases", or, -not.', examples=["misfire"]),
    dtc_code: str = Query("", max_length=10, examples=["P0301"]),
    model_code: str = Query("", max_length=20),
    model_year: int = Query(0, ge=0, le=2100, description="0 or left out: any year."),
    kind: Literal["", "article", "bulletin"] = "",
    include_drafts: bool = Query(False, description="Headquarters' engineers only."),
    page_size: PageSize = 20,
    page_token: str = "",
) -> dict[str, Any]:
    """Published articles and bulletins, best match first (titles and fault codes weigh most,
    and stations' feedback moves the rank); without words, the newest first."""
    if include_drafts and principal.role is not Role.HQ:
        raise Problem(403, "Forbidden", "only headquarters' engineers see drafts")
    request = support_pb2.SearchArticlesRequest(
        query=query,
        dtc_code=dtc_code,
        model_code=model_code,
        model_year=model_year,
        kind=kind,
        include_drafts=include_drafts,
        page_size=page_size,
        page_token=page_token,
    )
    return as_dict(await call(services.support.SearchArticles, request, principal))


@router.post("/knowledge/articles", status_code=201, tags=["knowledge base"])
async def draft_article(
    body: ArticleBody, services: Services, principal: Principal = Depends(require(*roles.SUPPORT_DESK))
) -> dict[str, Any]:
    """Writes an article or bulletin as a draft; another engineer publishes it."""
    return as_dict(await call(services.support.DraftArticle, body.request(), principal))


@router.post(
    "/knowledge/articles/from-request/{request_id}", status_code=201, tags=["knowledge base"], responses=REFUSED
)
async def draft_article_from_request(
    request_id: RequestId, services: Services, principal: Principal = Depends(require(*roles.SUPPORT_DESK))
) -> dict[str, Any]:
    """A resolved request as a draft article; asking again answers with the draft already made."""
    request = support_pb2.GetRequestRequest(id=request_id)
    return as_dict(await call(services.support.DraftArticleFromRequest, request, principal))


@router.get("/knowledge/articles/{article_id}", tags=["knowledge base"])
async def get_article(
    article_id: ArticleId, services: Services, principal: Principal = Depends(require(*roles.EVERYONE))
) -> dict[str, Any]:
    return as_dict(await call(services.support.GetArticle, support_pb2.GetArticleRequest(id=article_id), principal))


@router.post("/knowledge/articles/{article_id}/publish", tags=["knowledge base"], responses=REFUSED)
async def publish_article(
    article_id: ArticleId, services: Services, principal: Principal = Depends(require(*roles.SUPPORT_DESK))
) -> dict[str, Any]:
    """Publishes a draft after review, by an engineer other than its author."""
    request = support_pb2.GetArticleRequest(id=article_id)
    return as_dict(await call(services.support.PublishArticle, request, principal))


@router.post("/knowledge/articles/{article_id}/feedback", tags=["knowledge base"], responses=REFUSED)
async def article_feedback(
    article_id: ArticleId,
    body: FeedbackBody,
    services: Services,
    principal: Principal = Depends(require(*roles.STATIONS)),
) -> dict[str, Any]:
    """Whether the article solved the station's problem; one word per station, a second replaces the first."""
    request = support_pb2.RateArticleRequest(id=article_id, solved=body.solved, request_id=body.request_id)
    return as_dict(await call(services.support.RateArticle, request, principal))
