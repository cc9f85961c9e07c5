"""Fixtures shared by the tests that start the project's real processes."""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable, Iterable, Iterator

import pytest

from tests.processes import ROOT


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="module")
def demo_channel(fresh_database: Callable[[str], str]) -> Callable[[Iterable[str]], None]:
    """Empty databases for the given components, then the demo channel of `make seed` in them."""

    def make(components: Iterable[str]) -> None:
        from scripts import seed_demo

        for component in components:
            fresh_database(component)
        seed_demo.seed()

    return make


def procfile_processes(procfile: str = "Procfile") -> list[str]:
    """The process names of the Procfile, in its order."""
    names = []
    for line in (ROOT / procfile).read_text().splitlines():
        name, separator, _ = line.partition(":")
        if separator and name.strip() and not name.lstrip().startswith("#"):
            names.append(name.strip())
    return names


def free_port() -> int:
    """A port nobody listens on now; another run on this machine picks its own."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    fuzzing = sys.modules.get("tests.e2e.test_api_fuzzing")
    sent = getattr(fuzzing, "SENT", None)
    if sent:
        terminalreporter.write_line(f"API fuzzing: {sum(sent.values())} requests over {len(sent)} operations")
