# Every call a client makes is under the version; a change that breaks clients gets /v2 beside it.
API_PREFIX = "/v1"
