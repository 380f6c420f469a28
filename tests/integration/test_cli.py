"""The real `trayapp` command in a subprocess: status, providers, check-config, errors, in two languages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.server import Reply, StatusServer
from tests.support.watching import two_pages_config, write_config
from trayapp import __version__, paths
from trayapp.core.history.record import IncidentNote, PollRecord
from trayapp.model import Incident, State
from trayapp.shell.history.db import open_history
from trayapp.shell.history.writer import HistoryWriter

ITALIAN_LOCALE = {"LANG": "it_IT.UTF-8"}


def trayapp(
    *args: str, timeout: float = 60, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`trayapp ARGS` in a subprocess; `env` adds to (or overrides) the test's environment."""
    return subprocess.run(
        [sys.executable, "-m", "trayapp", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        check=False,
    )


def serve(server: StatusServer, openai: str | Reply, anthropic: str | Reply) -> None:
    for path, what in (("/openai/proxy/127.0.0.1", openai), ("/anthropic/api/v2/summary.json", anthropic)):
        if isinstance(what, Reply):
            server.set(path, what)
        else:
            server.set_fixture(path, what)


@pytest.mark.parametrize(
    ("openai", "anthropic", "overall", "code"),
    [
        (
            "incidentio/proxy_all_operational.json",
            "statuspage/summary_all_operational.json",
            "operational",
            0,
        ),
        (
            "incidentio/proxy_maintenance_in_progress.json",
            "statuspage/summary_all_operational.json",
            "maintenance",
            0,
        ),
        ("incidentio/proxy_partial_outage.json", "statuspage/summary_all_operational.json", "partial", 1),
        ("incidentio/proxy_partial_outage.json", "statuspage/summary_major_outage.json", "major", 2),
        ("incidentio/proxy_all_operational.json", Reply(b"", 503), "unknown", 3),
        ("incidentio/proxy_finetune_lingering.json", Reply(b"", 503), "degraded", 1),
    ],
)
def test_status_json_and_exit_code(
    server: StatusServer, two_pages: Path, openai: str, anthropic: str | Reply, overall: str, code: int
) -> None:
    serve(server, openai, anthropic)
    result = trayapp("--config", str(two_pages), "status", "--json")
    assert result.returncode == code, result.stderr
    data = json.loads(result.stdout)
    assert data["overall"] == overall
    assert data["checked_at"].endswith("Z")
    assert [p["id"] for p in data["providers"]] == ["openai", "anthropic"]
    for provider in data["providers"]:
        assert set(provider) >= {"id", "name", "state", "page", "error", "components", "incidents"}


def test_status_json_details(server: StatusServer, two_pages: Path) -> None:
    serve(
        server,
        "incidentio/proxy_partial_outage.json",
        Reply(b"<!doctype html><p>portal</p>", 200, "text/html"),
    )
    result = trayapp("status", "--json", "--config", str(two_pages))
    data = json.loads(result.stdout)
    openai, anthropic = data["providers"]
    assert openai["state"] == "partial"
    assert openai["error"] is None
    [incident] = openai["incidents"]
    assert incident["impact"] == "partial"
    assert incident["status"] == "investigating"
    assert incident["url"].startswith("https://status.openai.com/incidents/")
    assert {"name": "Conversations", "state": "partial"} in openai["components"]
    assert anthropic["state"] == "unknown"
    assert anthropic["error"] == "not a status page: got an HTML page"


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(b"oops", 500, "text/plain"), "HTTP 500"),
        (Reply(b'{"components": [{"name": "API", "sta', 200), "not a status page: unreadable response"),
        (Reply(b"", 200), "not a status page: empty response"),
        (Reply(b"x" * (9 * 1024 * 1024), 200, "text/plain", etag=False), "response too large (over 8 MB)"),
    ],
    ids=["500", "garbage", "empty", "oversized"],
)
def test_status_reasons(server: StatusServer, tmp_path: Path, reply: Reply, reason: str) -> None:
    config = write_config(tmp_path / "c.toml", [("Acme API", server.url + "/acme", "statuspage")])
    server.set("/acme/api/v2/summary.json", reply)
    server.set("/acme/api/v2/status.json", reply)
    result = trayapp("--config", str(config), "status", "--json")
    assert result.returncode == 3
    [provider] = json.loads(result.stdout)["providers"]
    assert provider["id"] == "acme-api"
    assert (provider["state"], provider["error"]) == ("unknown", reason)


def test_status_table_is_readable_and_plain_when_piped(server: StatusServer, two_pages: Path) -> None:
    serve(server, "incidentio/proxy_partial_outage.json", "statuspage/summary_all_operational.json")
    result = trayapp("--config", str(two_pages), "status")
    assert result.returncode == 1
    assert "\x1b[" not in result.stdout
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Overall: partial outage")
    assert any(line.startswith("OpenAI") and "partial outage" in line for line in lines)
    assert any(line.startswith("Anthropic") and "operational" in line for line in lines)


def test_missing_default_config_is_created_with_comments(isolated_dirs: Path) -> None:
    result = trayapp("providers")
    assert result.returncode == 0
    created = isolated_dirs / "config" / "trayapp" / "config.toml"
    assert created.exists()
    assert "created a default config" in result.stderr
    assert created.read_text().lstrip().startswith("#")
    assert oct(created.stat().st_mode & 0o777) == "0o600"


def test_providers_lists_the_catalog() -> None:
    result = trayapp("providers")
    rows = result.stdout.splitlines()
    assert rows[0].split()[:2] == ["ID", "NAME"]
    ids = [row.split()[0] for row in rows[1:]]
    assert len(ids) >= 22
    for wanted in (
        "openai",
        "anthropic",
        "gemini",
        "mistral",
        "cohere",
        "groq",
        "perplexity",
        "xai",
        "deepseek",
        "huggingface",
        "openrouter",
        "together",
        "replicate",
        "github",
        "cursor",
    ):
        assert wanted in ids
    watched = {row.split()[0] for row in rows[1:] if row.rstrip().endswith("yes")}
    assert watched == {"openai", "anthropic"}
    # The FORMAT column as checked in 2026-09: moved platforms, and Mistral without a status feed.
    formats = {row.split()[0]: row.split()[-2] for row in rows[1:]}
    assert formats["openrouter"] == "datadog"
    assert formats["perplexity"] == "incidentio"
    assert formats["fireworks"] == "incidentio"
    assert formats["huggingface"] == "betterstack"
    assert formats["mistral"] == "none"
    assert "https://www.cloudflarestatus.com" in next(row for row in rows if row.startswith("replicate "))


def test_providers_help_offers_check() -> None:
    result = trayapp("providers", "--help")
    assert result.returncode == 0
    assert "--check" in result.stdout


def test_check_config_reports_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('poll_interval = 60\n\n[[providers]]\nname = "Acme"\nurl = "http://status.acme.example"\n')
    result = trayapp("check-config", "--config", str(bad))
    assert result.returncode == 3
    assert f"{bad}:5:" in result.stderr
    assert "https" in result.stderr


def test_check_config_ok(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text('builtin = ["openai", "github"]\n')
    result = trayapp("--config", str(good), "check-config")
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout
    assert "GitHub" in result.stdout


def test_broken_config_is_exit_3_with_reason(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("poll_interval = = 3\n")
    result = trayapp("--config", str(bad), "status")
    assert result.returncode == 3
    assert f"{bad}:1" in result.stderr
    assert result.stdout == ""


def test_explicit_missing_config_is_an_error(tmp_path: Path) -> None:
    result = trayapp("--config", str(tmp_path / "nope.toml"), "status")
    assert result.returncode == 3
    assert "nope.toml" in result.stderr


def test_version_and_help() -> None:
    assert trayapp("--version").stdout.strip() == f"trayapp {__version__}"
    help_text = trayapp("--help").stdout
    for command in ("status", "watch", "providers", "check-config"):
        assert command in help_text


def test_usage_error_is_exit_3() -> None:
    result = trayapp("status", "--bogus")
    assert result.returncode == 3
    assert "unrecognized arguments" in result.stderr


# --- trayapp history -------------------------------------------------------------------------------

NOW = datetime.now(UTC).replace(microsecond=0)


def history_rows() -> None:
    """A week and a half of history for OpenAI and Anthropic, relative to now."""

    def ago(hours: float) -> datetime:
        return NOW - timedelta(hours=hours)

    def incident(incident_id: str, name: str, impact: State, started: float) -> Incident:
        return Incident(
            incident_id, name, impact, "investigating", f"https://status.example/{incident_id}", ago(started)
        )

    old = incident("old", "Old outage", State.MAJOR, 240)
    resolved = incident("two-days", "Elevated error rates", State.PARTIAL, 48)
    ongoing = incident("now", "Slow responses", State.DEGRADED, 0.5)
    connection = open_history(paths.history_file())
    assert connection is not None
    writer = HistoryWriter(connection, gap_for=lambda provider: 86400.0)
    records = [
        PollRecord("openai", ago(241), State.OPERATIONAL),
        PollRecord("openai", ago(240), State.MAJOR, incidents=(IncidentNote("started", old),)),
        PollRecord("openai", ago(238), State.OPERATIONAL, incidents=(IncidentNote("resolved", old),)),
        PollRecord("openai", ago(48), State.PARTIAL, incidents=(IncidentNote("started", resolved),)),
        PollRecord("openai", ago(46), State.OPERATIONAL, incidents=(IncidentNote("resolved", resolved),)),
        *(PollRecord("openai", ago(hours), State.OPERATIONAL) for hours in (30, 10)),  # polls in between
        PollRecord("openai", ago(0.5), State.DEGRADED, incidents=(IncidentNote("started", ongoing),)),
        PollRecord("openai", NOW, State.DEGRADED),
        PollRecord("anthropic", ago(10), State.OPERATIONAL),
        PollRecord("anthropic", ago(9), None, failure="timeout", unknown_reason="timeout"),
        PollRecord("anthropic", ago(8), State.OPERATIONAL),
        PollRecord("anthropic", NOW, State.OPERATIONAL),
    ]
    connection.execute("BEGIN")
    for record in records:
        writer.apply(record)
    writer.flush_ends()
    connection.execute("COMMIT")
    connection.close()


def test_history_with_no_database_yet_is_empty_not_an_error() -> None:
    env_without_display = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = subprocess.run(
        [sys.executable, "-m", "trayapp", "history"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env_without_display,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "No incidents recorded in this period." in result.stdout
    assert "Nothing observed in this period." in result.stdout
    data = json.loads(trayapp("history", "--json").stdout)
    assert (data["incidents"], data["uptime"]) == ([], [])
    assert not paths.history_file().exists(), "reading never creates the history"


def test_history_table_lists_the_last_7_days_newest_first_then_uptime() -> None:
    history_rows()
    result = trayapp("history")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("History from ")
    rows = [line for line in lines if line.startswith(("20", "PROVIDER", "STARTED")) or "%" in line]
    assert rows[0].split()[:3] == ["STARTED", "ENDED", "DURATION"]
    assert "ongoing" in rows[1]
    assert "Slow responses" in rows[1]
    assert "2 h" in rows[2]
    assert "Elevated error rates" in rows[2]
    assert "partial outage" in rows[2]
    assert "Old outage" not in result.stdout, "older than 7 days"
    # Providers by name, as `status` shows them.
    assert any(line.startswith("Anthropic") and "%" in line for line in lines)
    assert not any(line.startswith("anthropic") for line in lines)


def test_history_json_has_the_contracts_shape() -> None:
    history_rows()
    asked = datetime.now(UTC)
    result = trayapp("history", "--json")
    answered = datetime.now(UTC)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["since", "until", "incidents", "suspected", "uptime"]
    assert data["suspected"] == [], "nothing suspected in these rows"
    since = datetime.fromisoformat(data["since"].replace("Z", "+00:00"))
    assert since == datetime.combine(NOW.date() - timedelta(days=7), datetime.min.time(), tzinfo=UTC)
    ongoing, resolved = data["incidents"]
    assert list(ongoing) == [
        "provider", "id", "name", "impact", "started_at", "resolved_at", "duration_s", "url",
        "seen_after_the_fact",
    ]  # fmt: skip
    assert (ongoing["id"], ongoing["resolved_at"], ongoing["impact"]) == ("now", None, "degraded")
    # Started half an hour before NOW (when the module was loaded): its duration so far, then.
    so_far = (1800 + (asked - NOW).total_seconds() - 1, 1800 + (answered - NOW).total_seconds() + 1)
    assert so_far[0] <= ongoing["duration_s"] <= so_far[1], "an open incident: its duration so far"
    assert (resolved["provider"], resolved["id"], resolved["duration_s"]) == ("openai", "two-days", 7200)
    assert resolved["url"] == "https://status.example/two-days"
    assert resolved["seen_after_the_fact"] is False
    by_provider = {u["provider"]: u for u in data["uptime"]}
    # Anthropic: read at -10 h, unknown from then until read again at -8 h, then operational.
    assert by_provider["anthropic"] == {"provider": "anthropic", "operational_pct": 80.0, "unknown_pct": 20.0}
    # OpenAI over the week: 2 h partial of 48 h observed, and the last half hour degraded.
    assert by_provider["openai"]["operational_pct"] == round(100 * 45.5 / 48, 2)
    assert by_provider["openai"]["unknown_pct"] == 0.0


def test_history_csv_summary_provider_and_since_forms() -> None:
    history_rows()
    csv_text = trayapp("history", "--csv").stdout
    assert (
        csv_text.splitlines()[0]
        == "provider,id,name,impact,started_at,resolved_at,duration_s,url,seen_after_the_fact"
    )
    assert len(csv_text.splitlines()) == 3
    summary = trayapp("history", "--summary")
    assert "STARTED" not in summary.stdout
    assert "OPERATIONAL" in summary.stdout
    assert list(json.loads(trayapp("history", "--summary", "--json").stdout)) == ["since", "until", "uptime"]
    only = json.loads(trayapp("history", "--provider", "anthropic", "--json").stdout)
    assert (only["incidents"], [u["provider"] for u in only["uptime"]]) == ([], ["anthropic"])
    ids = lambda *args: [i["id"] for i in json.loads(trayapp("history", "--json", *args).stdout)["incidents"]]  # noqa: E731
    assert ids("--since", "24h") == ["now"]
    assert ids("--since", "14d") == ["now", "two-days", "old"]
    assert ids("--since", (NOW - timedelta(days=3)).date().isoformat()) == ["now", "two-days"]


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("--since", "yesterday"), "--since takes a span like 7d or 24h"),
        (("--since", "2999-01-01"), "is in the future"),
        (("--json", "--csv"), "not allowed with argument"),
        (("--provider", "nosuch"), "unknown provider id 'nosuch'"),
    ],
)
def test_history_usage_errors_are_exit_3_with_the_reason(args: tuple[str, ...], reason: str) -> None:
    result = trayapp("history", *args)
    assert result.returncode == 3
    assert reason in result.stderr
    assert result.stdout == ""


# --- in Italian --------------------------------------------------------------------------------


def italian_pages(server: StatusServer, tmp_path: Path, language: str) -> Path:
    serve(server, "incidentio/proxy_partial_outage.json", "statuspage/summary_all_operational.json")
    return two_pages_config(tmp_path / f"{language}.toml", server.url, f'language = "{language}"')


def assert_italian_status(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Stato generale: interruzione parziale  (ultimo controllo ")
    assert lines[2].split() == ["SERVIZIO", "STATO", "DETTAGLI"]
    assert any(line.startswith("OpenAI") and "interruzione parziale" in line for line in lines)
    assert any(line.startswith("Anthropic") and "operativo" in line for line in lines)
    assert "partial outage" not in result.stdout


def test_status_table_in_italian_from_the_config(server: StatusServer, tmp_path: Path) -> None:
    config = italian_pages(server, tmp_path, "it")
    assert_italian_status(trayapp("--config", str(config), "status"))  # the machine's locale is C


def test_status_table_in_italian_from_the_os_locale(server: StatusServer, tmp_path: Path) -> None:
    config = italian_pages(server, tmp_path, "auto")
    assert_italian_status(trayapp("--config", str(config), "status", env=ITALIAN_LOCALE))
    english = trayapp("--config", str(config), "status")
    assert english.stdout.startswith("Overall: partial outage")
    forced = write_config(
        tmp_path / "en.toml", [("OpenAI", server.url + "/openai", "incidentio")], 'language = "en"'
    )
    assert trayapp("--config", str(forced), "status", env=ITALIAN_LOCALE).stdout.startswith("Overall: ")


def comparable(text: str) -> object:
    """JSON output with the moments of the run taken out."""
    data = json.loads(text)
    data.pop("checked_at", None)
    data.pop("until", None)
    for provider in data.get("providers", []):
        for incident in provider["incidents"]:
            incident.pop("started_at", None)
    for incident in data.get("incidents", []):
        incident.pop("duration_s")
    return data


def test_status_and_history_json_never_change_with_the_language(server: StatusServer, tmp_path: Path) -> None:
    english, italian = italian_pages(server, tmp_path, "en"), italian_pages(server, tmp_path, "it")
    outputs = [trayapp("--config", str(path), "status", "--json").stdout for path in (english, italian)]
    assert comparable(outputs[0]) == comparable(outputs[1])
    assert json.loads(outputs[1])["overall"] == "partial"
    history_rows()
    for args in (("history", "--json"), ("history", "--json", "--summary"), ("history", "--csv")):
        runs = [trayapp("--config", str(path), *args) for path in (english, italian)]
        assert runs[0].returncode == runs[1].returncode == 0, runs[1].stderr
        if "--csv" in args:
            assert runs[0].stdout.splitlines()[0] == runs[1].stdout.splitlines()[0]
            assert [row.split(",")[:4] for row in runs[0].stdout.splitlines()] == [
                row.split(",")[:4] for row in runs[1].stdout.splitlines()
            ]
        else:
            assert comparable(runs[0].stdout) == comparable(runs[1].stdout)


def test_history_table_in_italian(server: StatusServer, tmp_path: Path) -> None:
    history_rows()
    config = italian_pages(server, tmp_path, "it")
    result = trayapp("--config", str(config), "history")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Cronologia dal ")
    rows = [
        line for line in lines if line.startswith(("INIZIO", "SERVIZIO")) or "%" in line or "/20" in line[:10]
    ]
    assert rows[0].split()[:3] == ["INIZIO", "FINE", "DURATA"]
    assert "in corso" in rows[1]
    assert "Slow responses" in rows[1]
    assert "prestazioni ridotte" in rows[1]
    assert "interruzione parziale" in rows[2]
    assert any(line.split()[:4] == ["SERVIZIO", "OPERATIVO", "SCONOSCIUTO", "OSSERVATO"] for line in lines)
    assert any(line.startswith("Anthropic") and "80,00\u00a0%" in line for line in lines)
    summary = trayapp("--config", str(config), "history", "--summary")
    assert "INIZIO" not in summary.stdout
    assert "OPERATIVO" in summary.stdout


def test_a_broken_config_that_says_italian_is_reported_in_italian(tmp_path: Path) -> None:
    """A valid `language` line is honoured even when other lines are broken (and the OS is English)."""
    bad = tmp_path / "bad.toml"
    bad.write_text('language = "it"\npoll_interval = "x"\n[[providers]\n')
    checked = trayapp("check-config", "--config", str(bad))
    assert checked.returncode == 3
    assert f"{bad}:3: TOML non valido" in checked.stderr
    bad.write_text('language = "it"\npoll_interval = "x"\n')
    result = trayapp("--config", str(bad), "status")
    assert result.stderr.startswith("trayapp: errore di configurazione:\n")
    assert "poll_interval deve essere un numero di secondi maggiore di 0" in result.stderr
    bad.write_text('language = "en"\npoll_interval = "x"\n')
    assert "must be a number of seconds" in trayapp("--config", str(bad), "status", env=ITALIAN_LOCALE).stderr


def test_config_errors_and_check_config_in_italian(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('poll_interval = 60\n\n[[providers]]\nname = "Acme"\nurl = "http://status.acme.example"\n')
    result = trayapp("--config", str(bad), "status", env=ITALIAN_LOCALE)
    assert result.returncode == 3
    assert result.stderr.startswith("trayapp: errore di configurazione:\n")
    assert (
        f"{bad}:5: url in [[providers]]: http:// senza cifratura è ammesso solo per indirizzi"
        " di questo computer" in (result.stderr)
    )
    checked = trayapp("check-config", "--config", str(bad), env=ITALIAN_LOCALE)
    assert (checked.returncode, checked.stdout) == (3, "")
    assert "senza cifratura" in checked.stderr
    good = tmp_path / "good.toml"
    good.write_text('language = "it"\nbuiltin = ["openai", "github"]\n')
    ok = trayapp("--config", str(good), "check-config")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == f"{good}: OK. 2 servizi monitorati: OpenAI, GitHub."
    usage = trayapp("history", "--since", "ieri", env=ITALIAN_LOCALE)
    assert usage.returncode == 3
    assert "trayapp history: --since vuole un intervallo come 7d o 24h" in usage.stderr
    assert "mostra questo aiuto ed esce" in trayapp("--help", env=ITALIAN_LOCALE).stdout
