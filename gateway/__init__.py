from urllib.parse import urlencode

# Every call a client makes is under the version; a change that breaks clients gets /v2 beside it.
API_PREFIX = "/v1"


def api_link(path: str, **filters: str) -> str:
    """The API's address of a list, with the filters that have a value: what an answer's
    `list` links point clients at."""
    query = urlencode({key: value for key, value in filters.items() if value})
    return f"{API_PREFIX}/{path}" + (f"?{query}" if query else "")
