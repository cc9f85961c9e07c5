"""Fixtures shared by the tests that start the project's real processes."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    fuzzing = sys.modules.get("tests.e2e.test_api_fuzzing")
    sent = getattr(fuzzing, "SENT", None)
    if sent:
        terminalreporter.write_line(f"API fuzzing: {sum(sent.values())} requests over {len(sent)} operations")
