"""The live stream of order events: a dealer follows its cars without asking again and again."""

from __future__ import annotations

from dataclasses import dataclass

import jwt
from fastapi import APIRouter, Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway import roles
from gateway.security import admit, current_principal
from gateway.stream import LIVE_EVENT_TYPES, EventStreamResponse, LiveFeed
from plumbing.principal import Principal

router = APIRouter()

_bearer = HTTPBearer(auto_error=False, description="The token from POST /v1/auth/login")

_EXAMPLE = (
    "retry: 5000\n: connected\n\n"
    "id: 0b0f7c1e-8a2b-4a59-9a9e-2f1d3c7b5e10\nevent: order.stage_reached\n"
    'data: {"occurred_at":"2026-11-24T08:15:02+00:00","order_number":"ORD-2026-0000042","dealer_code":"D001",'
    '"vin":"LDN2A4C19R0000042","stage":"paint_shop","stage_label":"Paint shop",'
    '"expected_arrival":"2027-02-12","hold_reason":null,"type":"order.stage_reached"}\n\n'
    ": heartbeat\n\n"
)

_DESCRIPTION = f"""
Server-sent events (`text/event-stream`) of what happens to ordered cars, pushed as it
happens: no polling. A dealer receives the events of its own cars only; headquarters and
operations receive every dealer's; a station is refused (403).

**Authentication.** Send the bearer token like on every route. A browser's `EventSource`
cannot send headers, so this route alone also accepts the token as the query parameter
`access_token` (`GET /tracking/stream?access_token=<token>`). Prefer the header where you
can: a URL may be kept in proxy logs. The stream ends when the token expires; log in again
and reconnect.

**Messages.** Each event is one message: `id:` the event id, `event:` the event type,
`data:` one line of JSON: the event's fields (see docs/events.md) plus `type` and
`occurred_at`. Event types: {", ".join(f"`{t}`" for t in LIVE_EVENT_TYPES)}.
A comment line (`: heartbeat`) comes every 15 seconds when nothing else does.

**Reconnecting.** Events are not replayed: after a reconnection read the current state with
the tracking routes. A client that stops reading is disconnected once its backlog is full.
"""


@dataclass(frozen=True)
class StreamCaller:
    principal: Principal
    expires_at: float | None


async def stream_caller(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
    access_token: str | None = Query(
        None,
        description="The token from POST /v1/auth/login, for clients that cannot send an Authorization header "
        "(a browser's EventSource). Accepted on this route only.",
    ),
) -> StreamCaller:
    if credentials is None and access_token:
        credentials = HTTPAuthorizationCredentials(scheme="Bearer", credentials=access_token)
    principal = admit(await current_principal(request, credentials), roles.DEALER_VIEWS)
    assert credentials is not None, "current_principal refuses a request without a token"
    # The signature and expiry were verified just above; only the expiry time is read here.
    claims = jwt.decode(credentials.credentials, options={"verify_signature": False})
    expires_at = claims.get("exp")
    return StreamCaller(principal, float(expires_at) if isinstance(expires_at, int | float) else None)


stream_caller.roles = roles.DEALER_VIEWS  # type: ignore[attr-defined]


@router.get(
    "/tracking/stream",
    tags=["tracking"],
    summary="Live updates of ordered cars (server-sent events)",
    description=_DESCRIPTION,
    response_class=EventStreamResponse,
    status_code=200,
    response_description="The stream, open until the client leaves",
    responses={
        200: {"content": {"text/event-stream": {"example": _EXAMPLE}}},
        401: {"description": "No token, or an invalid or expired one"},
        403: {"description": "A station: it follows no orders"},
    },
)
async def tracking_stream(request: Request, caller: StreamCaller = Depends(stream_caller)) -> EventStreamResponse:
    feed: LiveFeed = request.app.state.live_feed
    return EventStreamResponse(
        feed.hub,
        caller.principal,
        heartbeat_seconds=feed.settings.heartbeat_seconds,
        expires_at=caller.expires_at,
    )
