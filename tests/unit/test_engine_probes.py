"""The engine with probes: suspected problems, one optional notification, and being offline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.support.builders import incident, page
from tests.support.notifiers import RecordingNotifier
from trayapp.catalog import ProviderSpec
from trayapp.core.console import exit_code, snapshot_json
from trayapp.core.probing import Attempt, Outcome
from trayapp.engine import Engine
from trayapp.model import Failure, State
from trayapp.settings import NotificationSettings

EDGE = "https://api.alpha.example/v1/models"
A = ProviderSpec(id="a", name="Alpha", page="https://a.example", kind="statuspage", probe=EDGE, builtin=True)
B = ProviderSpec(id="b", name="Beta", page="https://b.example", kind="statuspage")
T0 = datetime(2026, 2, 4, 15, 0, tzinfo=UTC)
CALM = page(("API", State.OPERATIONAL))
REFUSED = Failure("connection refused", connection=True)


def up(minute: int) -> Attempt:
    return Attempt(T0 + timedelta(minutes=minute), Outcome.UP, 0.12, 401)


def down(minute: int, error: str | None = None) -> Attempt:
    if error is not None:
        return Attempt(T0 + timedelta(minutes=minute), Outcome.DOWN, None, None, error, connection=True)
    return Attempt(T0 + timedelta(minutes=minute), Outcome.DOWN, 0.2, 503)


def engine_with(notify: bool = False) -> tuple[Engine, RecordingNotifier]:
    notifier = RecordingNotifier()
    engine = Engine([A, B], NotificationSettings(), notifier)
    engine.set_probe_settings(enabled=True, notify=notify)
    engine.handle(A, CALM)
    engine.handle(B, CALM)
    return engine, notifier


def test_suspected_only_after_the_confirmation_window_and_cleared_on_recovery() -> None:
    engine, notifier = engine_with()
    engine.handle_probe(A, up(0))
    engine.handle_probe(A, down(1))
    engine.handle_probe(A, down(2))
    view = engine.snapshot().provider("a")
    assert view is not None
    assert view.suspected is None, "two bad answers are not yet a verdict"
    assert engine.snapshot().overall == State.OPERATIONAL
    engine.handle_probe(A, down(3))
    snapshot = engine.snapshot()
    view = snapshot.provider("a")
    assert view is not None
    assert view.suspected is not None
    assert view.suspected.since == T0 + timedelta(minutes=1)
    assert view.state == State.OPERATIONAL, "the page's state stays what the page says"
    assert snapshot.overall == State.DEGRADED
    assert snapshot.badge == "suspected"
    assert exit_code(snapshot) == 1
    document = snapshot_json(snapshot)
    alpha = document["providers"][0]
    assert alpha["state"] == "operational"
    assert alpha["suspected"]["since"] == "2026-02-04T15:01:00Z"
    assert "3 of the last 4 checks failed (HTTP 503)" in alpha["suspected"]["reason"]
    assert alpha["probe"] == {
        "enabled": True,
        "ok": False,
        "latency_ms": 200.0,
        "failing_since": "2026-02-04T15:01:00Z",
        "detail": "HTTP 503 in 200 ms",
        "deep": {"enabled": False, "ok": None, "latency_ms": None, "detail": ""},
    }
    assert document["providers"][1]["probe"]["enabled"] is False
    assert notifier.sent == [], "not notified unless asked for"
    engine.handle_probe(A, up(4))
    assert engine.snapshot().provider("a").suspected is not None  # type: ignore[union-attr]
    engine.handle_probe(A, up(5))
    assert engine.snapshot().provider("a").suspected is None  # type: ignore[union-attr]
    assert engine.snapshot().badge == "none"


def test_no_suspicion_when_the_page_already_says_something_is_wrong() -> None:
    engine, _ = engine_with()
    engine.handle(A, page(incidents=(incident("x", State.PARTIAL),)))
    for minute in range(4):
        engine.handle_probe(A, down(minute))
    snapshot = engine.snapshot()
    assert snapshot.provider("a").suspected is None  # type: ignore[union-attr]
    assert snapshot.overall == State.PARTIAL
    assert snapshot.badge == "none"


def test_a_suspected_problem_is_notified_once_per_spell_when_asked_for() -> None:
    engine, notifier = engine_with(notify=True)
    for minute in range(6):
        engine.handle_probe(A, down(minute))
    assert [n.kind for n in notifier.sent] == ["suspected"]
    assert notifier.sent[0].title == "Possible problem · Alpha"
    assert "outage" not in notifier.sent[0].body.lower(), "never called an outage"
    engine.handle_probe(A, up(6))
    engine.handle_probe(A, up(7))
    for minute in range(8, 11):
        engine.handle_probe(A, down(minute))
    assert [n.kind for n in notifier.sent] == ["suspected", "suspected"], "a new spell, a new notice"


def test_probes_off_means_no_probe_and_no_suspicion() -> None:
    engine, _ = engine_with()
    engine.set_probe_settings(enabled=False, notify=True)
    for minute in range(4):
        engine.handle_probe(A, down(minute))
    view = engine.snapshot().provider("a")
    assert view is not None
    assert view.suspected is None
    assert view.probe.enabled is False


def test_everything_refused_is_offline_with_no_notification_and_nothing_resolved() -> None:
    engine, notifier = engine_with()
    engine.handle(A, page(incidents=(incident("x", State.MAJOR),)))
    assert [n.kind for n in notifier.sent] == ["start"]
    engine.handle(A, REFUSED)
    assert not engine.snapshot().offline, "Beta has not failed yet"
    engine.handle(B, REFUSED)
    snapshot = engine.snapshot()
    assert snapshot.offline
    assert snapshot.overall == State.UNKNOWN
    assert snapshot.badge == "offline"
    assert exit_code(snapshot) == 3
    assert [view.error for view in snapshot.providers] == ["offline", "offline"]
    assert snapshot.provider("a").incidents, "nothing resolves while offline"  # type: ignore[union-attr]
    document = snapshot_json(snapshot)
    assert document["offline"] is True
    for _ in range(5):
        engine.handle(A, REFUSED)
        engine.handle(B, REFUSED)
        engine.handle_probe(A, down(0, "connection refused"))
    assert engine.snapshot().offline
    assert [n.kind for n in notifier.sent] == ["start"], "no provider notification while offline"
    engine.handle(A, CALM)
    assert not engine.snapshot().offline
    engine.handle(A, CALM)
    assert [n.kind for n in notifier.sent] == ["start", "resolve"], "back online, the resolution is news"


def test_a_probe_that_answers_means_not_offline() -> None:
    engine, _ = engine_with()
    engine.handle_probe(A, up(0))
    for _ in range(3):
        engine.handle(A, REFUSED)
        engine.handle(B, REFUSED)
    assert not engine.snapshot().offline, "the API edge answers: the pages are down, not the network"
    assert engine.snapshot().provider("a").error == "connection refused"  # type: ignore[union-attr]


def test_one_blip_of_a_lone_page_is_not_offline() -> None:
    notifier = RecordingNotifier()
    engine = Engine([B], NotificationSettings(), notifier)
    engine.handle(B, CALM)
    engine.handle(B, REFUSED)
    assert not engine.snapshot().offline
    engine.handle(B, REFUSED)
    assert engine.snapshot().offline
    engine.handle(B, Failure("HTTP 503"))
    assert not engine.snapshot().offline, "a server answered"


def test_a_probe_not_run_yet_is_enabled_and_not_checked() -> None:
    engine, _ = engine_with()
    probe = engine.snapshot().provider("a").probe  # type: ignore[union-attr]
    assert (probe.enabled, probe.ok, probe.detail) == (True, None, "not checked yet")


def test_a_provider_without_a_status_feed_counts_through_its_probe() -> None:
    """Kind "none": unknown with "no status feed", the icon left to the others, a failing probe suspected."""
    from trayapp.catalog import NO_FEED
    from trayapp.model import NO_STATUS_FEED

    silent = ProviderSpec(id="m", name="Mu", page="https://m.example", kind=NO_FEED, probe=EDGE, builtin=True)
    engine = Engine([silent, B], NotificationSettings(), RecordingNotifier())
    engine.set_probe_settings(enabled=True, notify=False)
    engine.handle(silent, Failure(NO_STATUS_FEED))
    engine.handle(B, CALM)
    engine.handle_probe(silent, up(0))
    snapshot = engine.snapshot()
    view = snapshot.provider("m")
    assert view is not None
    assert (view.state, view.error) == (State.UNKNOWN, NO_STATUS_FEED)
    assert snapshot.overall == State.OPERATIONAL
    assert exit_code(snapshot) == 0
    for minute in (1, 2, 3):
        engine.handle_probe(silent, down(minute))
    snapshot = engine.snapshot()
    view = snapshot.provider("m")
    assert view is not None
    assert view.suspected is not None
    assert snapshot.overall == State.DEGRADED
