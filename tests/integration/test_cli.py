"""The real `trayapp` command in a subprocess: status, providers, check-config, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.server import Reply, StatusServer
from tests.support.watching import write_config
from trayapp import __version__


def trayapp(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trayapp", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(os.environ),
        stdin=subprocess.DEVNULL,
        check=False,
    )


@pytest.fixture
def two_pages(server: StatusServer, tmp_path: Path) -> Path:
    return write_config(
        tmp_path / "config.toml",
        [
            ("OpenAI", server.url + "/openai", "incidentio"),
            ("Anthropic", server.url + "/anthropic", "statuspage"),
        ],
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
