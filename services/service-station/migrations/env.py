from plumbing.migrations import run
from station_service.models import metadata

run(metadata, "station")
