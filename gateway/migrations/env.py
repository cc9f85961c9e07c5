from gateway.accounts import metadata
from plumbing.migrations import run

run(metadata, "gateway")
