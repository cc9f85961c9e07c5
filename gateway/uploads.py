"""A file uploaded as the request body (a dealer's customer list, a bank's payment file):
sent as text/csv, read no further than its limit, documented alike on every route."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from gateway.problems import Problem

CSV_MEDIA_TYPE = "text/csv"


def csv_request_body(example: str) -> dict[str, Any]:
    """The route's OpenAPI request body: the CSV file itself, with an example file."""
    return {
        "requestBody": {
            "required": True,
            "content": {CSV_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}, "example": example}},
        }
    }


def csv_answers(limit: int) -> dict[int | str, dict[str, Any]]:
    return {
        413: {"description": f"The file is larger than {limit // (1024 * 1024)} MB."},
        415: {"description": "The body is not sent as text/csv."},
    }


async def read_csv(request: Request, limit: int) -> bytes:
    """The CSV body: 415 if it is not sent as text/csv, 413 as soon as it passes the limit
    (rather than after holding it all), 422 when empty."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != CSV_MEDIA_TYPE:
        raise Problem(
            415, "Unsupported media type", f"send the CSV file as the body with Content-Type: {CSV_MEDIA_TYPE}"
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    if not size:
        raise Problem(
            422, "Invalid request", "body: the file is empty", [{"field": "body", "message": "the file is empty"}]
        )
    return b"".join(chunks)


def _too_large(limit: int) -> Problem:
    return Problem(413, "Content too large", f"an import file may be at most {limit // (1024 * 1024)} MB")
