"""The probe verdict shared by a running instance with `status`: when it is written, when it counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from trayapp.core.verdict import (
    EdgeVerdict,
    SharedVerdict,
    decode_verdict,
    due_to_write,
    encode_verdict,
    merge_verdict,
    verdict_of,
)
from trayapp.model import ProbeView, ProviderView, Snapshot, State, Suspicion
from trayapp.shell.verdict_file import VerdictWriter, read_verdict

T0 = datetime(2026, 2, 4, 15, 0, tzinfo=UTC)
SINCE = T0 - timedelta(minutes=3)
SUSPECTED = Suspicion(SINCE, 3, 4, "HTTP 503")


def view(state: State = State.OPERATIONAL, failing: bool = False, suspected: bool = False) -> ProviderView:
    probe = ProbeView(
        True, not failing, 12.0, SINCE if failing else None, "HTTP 503" if failing else "HTTP 401"
    )
    return ProviderView(
        "openai",
        "OpenAI",
        "https://status.openai.com",
        state,
        probe=probe,
        suspected=SUSPECTED if suspected else None,
    )


def own_status(state: State = State.OPERATIONAL, offline: bool = False) -> Snapshot:
    """What one `status` run sees: one probe (which failed), so nothing confirmed."""
    single = ProbeView(True, False, 9.0, None, "HTTP 503 in 9 ms")
    plain = ProviderView("openai", "OpenAI", "https://status.openai.com", state, probe=single)
    return Snapshot((plain,), T0, offline)


RUNNING = SharedVerdict(T0 - timedelta(seconds=50), False, {"openai": EdgeVerdict(SINCE, SUSPECTED)})


def merge(snapshot: Snapshot, shared: SharedVerdict | None, interval: float = 60.0) -> Snapshot:
    return merge_verdict(snapshot, shared, T0, lambda _: interval, lambda _: True)


def test_a_fresh_verdict_of_the_running_instance_is_reported_by_status() -> None:
    merged = merge(own_status(), RUNNING)
    provider = merged.provider("openai")
    assert provider is not None
    assert provider.suspected == SUSPECTED
    assert provider.probe.failing_since == SINCE
    assert provider.probe.detail == "HTTP 503 in 9 ms", "its own probe is still what it saw"
    assert merged.overall == State.DEGRADED


@pytest.mark.parametrize(("age", "counts"), [(50, True), (119, True), (121, False), (3600, False)])
def test_a_verdict_counts_while_younger_than_two_intervals(age: float, counts: bool) -> None:
    shared = SharedVerdict(T0 - timedelta(seconds=age), False, RUNNING.providers)
    provider = merge(own_status(), shared).provider("openai")
    assert provider is not None
    assert (provider.suspected is not None) is counts
    assert (provider.probe.failing_since is not None) is counts


def test_a_page_that_reports_a_problem_itself_is_not_suspected() -> None:
    merged = merge_verdict(own_status(State.PARTIAL), RUNNING, T0, lambda _: 60.0, lambda _: False)
    provider = merged.provider("openai")
    assert provider is not None
    assert provider.suspected is None
    assert provider.probe.failing_since == SINCE


def test_offline_status_keeps_the_failing_spell_but_suspects_nothing() -> None:
    provider = merge(own_status(offline=True), RUNNING).provider("openai")
    assert provider is not None
    assert provider.suspected is None
    assert provider.probe.failing_since == SINCE


def test_no_verdict_or_no_probe_leaves_status_as_it_was() -> None:
    assert merge(own_status(), None) == own_status()
    assert merge_verdict(own_status(), RUNNING, T0, lambda _: None, lambda _: True) == own_status()


def test_the_verdict_is_written_on_a_change_and_kept_young_only_while_an_edge_fails() -> None:
    healthy = verdict_of(Snapshot((view(),), T0), T0)
    assert not healthy.failing
    later = verdict_of(Snapshot((view(),), T0), T0 + timedelta(hours=1))
    assert not due_to_write(later, healthy, 60), "a healthy steady edge writes nothing"
    failing = verdict_of(Snapshot((view(failing=True, suspected=True),), T0), T0 + timedelta(seconds=5))
    assert due_to_write(failing, healthy, 60), "a change is written at once"
    same = replace_at(failing, 30)
    assert not due_to_write(same, failing, 60)
    assert due_to_write(replace_at(failing, 65), failing, 60), "refreshed once per interval while failing"


def replace_at(shared: SharedVerdict, seconds: float) -> SharedVerdict:
    return SharedVerdict(shared.at + timedelta(seconds=seconds), shared.offline, shared.providers)


def test_the_verdict_survives_its_file_format_and_rejects_garbage() -> None:
    assert decode_verdict(encode_verdict(RUNNING)) == RUNNING
    assert decode_verdict({"version": 99}) is None
    assert decode_verdict({"version": 1, "at": "yesterday"}) is None
    assert decode_verdict({"version": 1, "at": "2026-02-04T15:00:00"}) is None, "no zone"
    assert decode_verdict([]) is None


def test_the_writer_writes_only_on_change_and_the_reader_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "verdict.json"
    now = [T0]
    writer = VerdictWriter(path, lambda: 60.0, clock=lambda: now[0])
    writer(Snapshot((view(),), T0), [])
    assert not path.exists(), "healthy from the start: no file at all"
    now[0] = T0 + timedelta(seconds=10)
    writer(Snapshot((view(failing=True, suspected=True),), T0), [])
    written = read_verdict(path)
    assert written is not None
    assert written.providers["openai"].suspected == SUSPECTED
    stamp = path.stat().st_mtime_ns
    now[0] = T0 + timedelta(seconds=20)
    writer(Snapshot((view(failing=True, suspected=True),), T0), [])
    assert path.stat().st_mtime_ns == stamp, "unchanged and young: not written"
    now[0] = T0 + timedelta(seconds=30)
    writer(Snapshot((view(),), T0), [])
    cleared = read_verdict(path)
    assert cleared is not None
    assert cleared.providers["openai"] == EdgeVerdict()
    path.write_text("{not json", "utf-8")
    assert read_verdict(path) is None


def test_a_stopped_model_probe_is_kept_young_too() -> None:
    """A deep probe stopped by a refused key stays stopped: `status` keeps seeing it as stopped."""
    stopped = SharedVerdict(T0, False, {"openai": EdgeVerdict(deep_stopped="key")})
    assert stopped.failing
    assert due_to_write(replace_at(stopped, 65), stopped, 60), "refreshed once per interval while stopped"
