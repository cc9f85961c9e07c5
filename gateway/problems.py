"""RFC 9457 problem details for every error the gateway returns."""

from __future__ import annotations

import json
import logging
from typing import Any

import grpc
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from plumbing.grpc_support import FIELD_VIOLATIONS_KEY

PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": problem.title, "status": problem.status}
    if problem.detail:
        body["detail"] = problem.detail
    if problem.errors:
        body["errors"] = problem.errors
    return JSONResponse(
        body,
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers={**problem.headers, **(headers or {})} or None,
    )


RETRY_AFTER_SECONDS = 2

log = logging.getLogger("dealernet.gateway")

_GRPC_TO_HTTP = {
    grpc.StatusCode.INVALID_ARGUMENT: (422, "Invalid request"),
    grpc.StatusCode.NOT_FOUND: (404, "Not found"),
    grpc.StatusCode.FAILED_PRECONDITION: (409, "Refused in the record's current state"),
    grpc.StatusCode.UNAUTHENTICATED: (401, "Not authenticated"),
    grpc.StatusCode.PERMISSION_DENIED: (403, "Forbidden"),
    grpc.StatusCode.UNAVAILABLE: (503, "Service unavailable"),
    grpc.StatusCode.DEADLINE_EXCEEDED: (503, "Service did not answer in time"),
    # A replica that is stopping cancels the calls that reach it before the gateway learns
    # it is going: another replica answers the retry.
    grpc.StatusCode.CANCELLED: (503, "Service unavailable"),
}


def from_grpc_error(error: grpc.aio.AioRpcError) -> Problem:
    status, title = _GRPC_TO_HTTP.get(error.code(), (502, "Service error"))
    errors: list[dict[str, str]] = []
    for key, value in error.trailing_metadata() or ():
        if key == FIELD_VIOLATIONS_KEY:
            errors = json.loads(value)
    detail = error.details() or ""
    if status >= 500:
        detail = "the service behind this request failed; try again shortly"
    # A service down or too slow is worth another try soon; say when.
    retry = {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 503 else None
    return Problem(status, title, detail, errors, headers=retry)


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "Each field refused, and why.",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

# What the service behind a route may answer besides the route's own refusals.
SERVICE_UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {"description": "The service behind this route is down or did not answer in time; see Retry-After"},
}

# The service's refusals a route may pass on, for the routes that can meet them.
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "A record the body names does not exist, or is not the caller's"}
}
REFUSED: dict[int | str, dict[str, Any]] = {
    409: {"description": "Refused in the record's current state; `detail` says why"}
}


def document_problems(openapi: dict[str, Any]) -> dict[str, Any]:
    """Every error answer of every operation as the problem it is, plus the answers any route
    of its kind gives: a body the gateway cannot read or that is too large, a path naming no
    record the caller may see, a caller past the rate limit."""
    components = openapi.setdefault("components", {}).setdefault("schemas", {})
    # FastAPI's own validation error shape: never sent, since every 422 is a problem.
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    components["Problem"] = PROBLEM_SCHEMA
    content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for operations in openapi.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if "requestBody" in operation:
                responses.setdefault("400", {"description": "The body cannot be read as its media type"})
                responses.setdefault("413", {"description": "The body is larger than this route admits"})
            if any(parameter["in"] == "path" for parameter in operation.get("parameters", ())):
                responses.setdefault("404", {"description": "No such record, or none the caller may see"})
            if "x-roles" in operation:
                responses.setdefault("429", {"description": "Too many calls by this caller; see Retry-After"})
            for status, response in responses.items():
                if status[0] in "45":
                    response["content"] = content
    return openapi


NUL = "\x00"


async def refuse_nul_characters(request: Request) -> None:
    """Refuses any path, query or JSON body value that carries a NUL character, naming its
    field: PostgreSQL keeps no NUL in text, so such a value would otherwise fail deep in a
    service (a 502) or in the gateway's own database (a 500) instead of at the door."""
    found: list[tuple[Any, ...]] = [("path", name) for name, value in request.path_params.items() if NUL in str(value)]
    found += [("query", name) for name, value in request.query_params.multi_items() if NUL in value]
    media_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    # Only a JSON body: a file upload (CSV) is streamed by its route and checked by its service.
    if media_type == "application/json" or media_type.endswith("+json"):
        raw = await request.body()
        # JSON can only carry a NUL escaped; most bodies have none and are not parsed twice.
        if b"\\u0000" in raw:
            try:
                found += [("body", *path) for path in _nul_paths(json.loads(raw))]
            except ValueError:
                pass  # not JSON after all: the route refuses it as such
    if found:
        message = "must not contain NUL characters"
        raise RequestValidationError(
            [{"type": "string_nul", "loc": loc, "msg": message, "input": None} for loc in found]
        )


def _nul_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, str):
        return [path] if NUL in value else []
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _nul_paths(item, (*path, key))]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in _nul_paths(item, (*path, index))]
    return []


def _location_to_field(loc: tuple[Any, ...]) -> str:
    """("body", "quantity") -> "quantity"; ("body", 15) for unparsable JSON -> "body"."""
    if len(loc) >= 2 and loc[0] in ("body", "query", "path", "header", "cookie"):
        rest = loc[1:]
        if loc[0] == "body" and len(rest) == 1 and isinstance(rest[0], int):
            return "body"
        return ".".join(str(p) for p in rest)
    return ".".join(str(p) for p in loc)


def install(app: FastAPI) -> None:
    """Answers every error as a problem, documents each in the OpenAPI as one, and refuses a
    NUL character in any route's input (routes added from here on)."""
    app.router.dependencies.append(Depends(refuse_nul_characters))
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if not app.openapi_schema:
            document_problems(generate())
        return app.openapi_schema

    # FastAPI's documented way to extend the schema it generates.
    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(Problem)
    async def on_problem(_: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc, {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None)

    @app.exception_handler(grpc.aio.AioRpcError)
    async def on_grpc_error(_: Request, exc: grpc.aio.AioRpcError) -> JSONResponse:
        return problem_response(from_grpc_error(exc))

    @app.exception_handler(RequestValidationError)
    async def on_invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _location_to_field(tuple(e["loc"])), "message": e["msg"]} for e in exc.errors()]
        return problem_response(
            Problem(422, "Invalid request", "; ".join(f"{e['field']}: {e['message']}" for e in errors), errors)
        )

    @app.exception_handler(StarletteHTTPException)
    async def on_http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(Problem(exc.status_code, str(exc.detail)))

    @app.exception_handler(Exception)
    async def on_failure(request: Request, exc: Exception) -> JSONResponse:
        # The cause goes to the log; the client learns only that it may try again.
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return problem_response(
            Problem(
                500,
                "Internal error",
                "the gateway failed to answer; try again shortly",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        )
