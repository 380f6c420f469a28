"""Fixtures of the fault suite: a rig on the fake server, a stub resolver, memory readings."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults.rig import Rig, StubResolver, statuspage_spec
from tests.support.server import StatusServer


@pytest.fixture
def make_rig(tmp_path: Path) -> Iterator[Callable[..., Rig]]:
    """Builds rigs (closed at the end); arguments as for Rig, with specs first."""
    made: list[Rig] = []

    def build(*specs: Any, **options: Any) -> Rig:
        rig = Rig(list(specs), tmp_path / "state" / "state.json", **options)
        made.append(rig)
        return rig

    yield build
    for rig in made:
        rig.close()


@pytest.fixture
def rig(server: StatusServer, make_rig: Callable[..., Rig]) -> Rig:
    """A rig watching one Statuspage provider, Acme, served under /acme."""
    return make_rig(statuspage_spec(server.url + "/acme"))


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> StubResolver:
    """Name lookups in this process go to a stub (`socket.getaddrinfo` is looked up per call)."""
    stub = StubResolver(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", stub)
    return stub


@pytest.fixture
def logging_to_files() -> Iterator[None]:
    """Let setup_logging take over the root logger for one test, then give it back."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
