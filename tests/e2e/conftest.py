"""Fixtures shared by the tests that start the project's real processes."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator

import pytest


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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    fuzzing = sys.modules.get("tests.e2e.test_api_fuzzing")
    sent = getattr(fuzzing, "SENT", None)
    if sent:
        terminalreporter.write_line(f"API fuzzing: {sum(sent.values())} requests over {len(sent)} operations")
