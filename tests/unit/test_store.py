"""The state file: atomic writes, round trips, corrupt files moved aside."""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path

import pytest

from tests.support.builders import at, incident, page
from trayapp.core.codec import SavedState, decode_state, encode_state
from trayapp.core.tracker import new_track, observe_failure, observe_page
from trayapp.model import State
from trayapp.shell.store import StateStore


def sample() -> SavedState:
    track = new_track("openai", "OpenAI", "https://status.openai.com")
    track = observe_page(track, page(("API", State.PARTIAL), incidents=(incident(),)), at(0))
    track = observe_page(track, page(("API", State.OPERATIONAL)), at(1))
    track = observe_failure(track, "timeout", at(2))
    held = frozenset({("openai", "inc1")})
    return SavedState({"openai": track}, frozenset({"openai/inc1"}), {"custom": "statuspage"}, held)


def test_round_trip_keeps_everything() -> None:
    saved = sample()
    assert decode_state(json.loads(json.dumps(encode_state(saved)))) == saved


def test_a_file_without_held_incidents_reads_as_holding_none() -> None:
    data = encode_state(sample())
    del data["held"]
    assert decode_state(data).held == frozenset()


def test_text_from_a_tampered_file_is_cleaned_as_page_text_is() -> None:
    data = encode_state(sample())
    view = data["providers"]["openai"]["view"]
    view["name"] = "Open\x1b]0;pwned\x07AI\u202e"
    view["incidents"] = [
        {"id": "i\n1", "name": "Errors\x1b[2J\nForged line", "impact": "major", "latest_update": "a\rb\x9b"}
    ]
    view["components"][0]["name"] = "API\u2066\ud800"
    data["notified"] = ["openai/i\x1b1"]
    saved = decode_state(json.loads(json.dumps(data)))
    shown = saved.tracks["openai"].view
    assert shown.name == "Open]0;pwnedAI"
    assert shown.components[0].name == "API\ufffd"
    (opened,) = shown.incidents
    assert (opened.id, opened.name, opened.latest_update) == ("i 1", "Errors[2J Forged line", "a\nb")
    assert saved.notified == frozenset({"openai/i1"})


def test_save_then_load(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state" / "state.json")
    assert store.load() is None
    assert store.save(sample())
    assert StateStore(store.path).load() == sample()
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert [p.name for p in store.path.parent.iterdir()] == ["state.json"], "no temp file left behind"


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{trunc",
        b"\xff\xfe garbage",
        b"[]",
        b'{"version": 0, "providers": {}}',
        b'{"version": 1, "providers": {"x": 3}}',
        b'{"version": 1, "providers": {}, "held": [["openai"]]}',
    ],
    ids=["empty", "truncated", "not utf-8", "not an object", "older version", "wrong shape", "bad held"],
)
def test_corrupt_file_is_moved_aside_with_a_warning(
    tmp_path: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING):
        assert StateStore(path).load() is None
    assert not path.exists()
    moved = list(tmp_path.glob("state.json.corrupt-*"))
    assert len(moved) == 1
    assert moved[0].read_bytes() == content
    assert any("moved it to" in r.getMessage() for r in caplog.records)


def test_unwritable_directory_is_logged_once_and_never_raises(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    store = StateStore(locked / "state.json")
    os.chmod(locked, 0o500)
    try:
        if os.access(locked, os.W_OK):  # root ignores permissions: use a path under a file instead
            store = StateStore(tmp_path / "a-file" / "state.json")
            (tmp_path / "a-file").write_text("x")
        with caplog.at_level(logging.ERROR):
            assert store.save(sample()) is False
            assert store.save(SavedState()) is False
        assert len([r for r in caplog.records if "cannot save state" in r.getMessage()]) == 1
    finally:
        os.chmod(locked, 0o700)


def test_unchanged_state_is_not_rewritten(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state.json")
    store.save(sample())
    before = store.path.stat().st_mtime_ns
    os.utime(store.path, ns=(1, 1))
    store.save(sample())
    assert store.path.stat().st_mtime_ns == 1 != before
