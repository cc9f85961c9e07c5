"""The gateway's routes, one module per part of the API."""

from typing import Annotated

from fastapi import Query

# How many records a page of any list holds; the services cap it the same (grpc_support.page_size).
PageSize = Annotated[int, Query(ge=1, le=500)]
