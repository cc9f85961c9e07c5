from monitor_service.models import metadata
from plumbing.migrations import run

run(metadata, "monitor")
