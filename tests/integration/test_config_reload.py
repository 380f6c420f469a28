"""`watch` re-reads its config when the file changes; a bad edit keeps the last good one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.server import StatusServer
from tests.support.watching import wait_until, watching, write_config


def test_reload_adds_a_provider_and_a_bad_edit_keeps_the_last_good_config(
    server: StatusServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.set_fixture("/a/api/v2/summary.json", "statuspage/summary_all_operational.json")
    server.set_fixture("/b/api/v2/summary.json", "statuspage/summary_major_outage.json")
    config = write_config(tmp_path / "config.toml", [("Alpha", server.url + "/a", "statuspage")])
    with watching(config) as w:
        wait_until(lambda: "Alpha: operational" in w.lines(), what="Alpha polled")
        config.write_text(
            config.read_text() + '\n[[providers]]\nname = "Beta"\nkind = "statuspage"\n', "utf-8"
        )
        err = ""

        def saw_error() -> bool:
            nonlocal err
            err += capsys.readouterr().err
            return "keeping the last good one" in err

        wait_until(saw_error, timeout=5, what="the config error on stderr")
        assert "url" in err, err
        assert not server.requests_to("/b/api/v2/summary.json")
        polls = len(server.requests_to("/a/api/v2/summary.json"))
        wait_until(
            lambda: len(server.requests_to("/a/api/v2/summary.json")) > polls + 2, what="Alpha still polled"
        )
        write_config(
            config, [("Alpha", server.url + "/a", "statuspage"), ("Beta", server.url + "/b", "statuspage")]
        )
        wait_until(lambda: "Beta: major outage" in w.lines(), what="Beta polled after the fix")
        wait_until(lambda: len(w.notifier.sent) == 1, what="Beta's open incident summed up")
