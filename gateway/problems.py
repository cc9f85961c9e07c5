"""RFC 9457 problem details for every error the gateway returns."""

from __future__ import annotations

import json
from typing import Any

import grpc
from fastapi import FastAPI, Request
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

_GRPC_TO_HTTP = {
    grpc.StatusCode.INVALID_ARGUMENT: (422, "Invalid request"),
    grpc.StatusCode.NOT_FOUND: (404, "Not found"),
    grpc.StatusCode.FAILED_PRECONDITION: (409, "Refused in the record's current state"),
    grpc.StatusCode.UNAUTHENTICATED: (401, "Not authenticated"),
    grpc.StatusCode.PERMISSION_DENIED: (403, "Forbidden"),
    grpc.StatusCode.UNAVAILABLE: (503, "Service unavailable"),
    grpc.StatusCode.DEADLINE_EXCEEDED: (503, "Service did not answer in time"),
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
    503: {"description": "The service behind this route is unavailable; see Retry-After"},
    504: {"description": "The service behind this route did not answer in time; see Retry-After"},
}


def document_problems(openapi: dict[str, Any]) -> dict[str, Any]:
    """Every error answer of every operation as the problem it is, plus the answers the
    gateway gives before a route runs: a body it cannot read or that is too large, a caller
    past the rate limit."""
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
            if "x-roles" in operation:
                responses.setdefault("429", {"description": "Too many calls by this caller; see Retry-After"})
            for status, response in responses.items():
                if status[0] in "45":
                    response["content"] = content
    return openapi


def _location_to_field(loc: tuple[Any, ...]) -> str:
    """("body", "quantity") -> "quantity"; ("body", 15) for unparsable JSON -> "body"."""
    if len(loc) >= 2 and loc[0] in ("body", "query", "path", "header", "cookie"):
        rest = loc[1:]
        if loc[0] == "body" and len(rest) == 1 and isinstance(rest[0], int):
            return "body"
        return ".".join(str(p) for p in rest)
    return ".".join(str(p) for p in loc)


def install(app: FastAPI) -> None:
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
