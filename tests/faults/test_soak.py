"""The soak benchmark keeps working: a short run passes and prints figures that parse."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]


def figure(pattern: str, text: str) -> tuple[str, ...]:
    match = re.search(pattern, text, re.MULTILINE)
    assert match, f"no line matching {pattern!r} in:\n{text}"
    return match.groups()


def test_a_short_soak_passes_and_reports_its_figures() -> None:
    run = subprocess.run(
        [sys.executable, "benchmarks/soak.py", "--polls", "300", "--interval", "0.01", "--seed", "7"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    out = run.stdout
    assert run.returncode == 0, out + run.stderr
    (polls,) = figure(r"^polls done:\s+(\d+)", out)
    assert int(polls) >= 300
    (faults,) = figure(r"^faults injected:\s+(\d+)", out)
    kinds = re.findall(r"^  ([^:]+):\s+(\d+)$", out.split("notifications:")[0], re.MULTILINE)
    assert len(kinds) >= 20
    assert all(int(count) >= 1 for _, count in kinds), f"every kind of fault was injected: {kinds}"
    assert sum(int(count) for _, count in kinds) == int(faults)
    starts_sent, starts_expected = figure(r"^  starts:\s+(\d+) / (\d+)$", out)
    resolves_sent, resolves_expected = figure(r"^  resolves:\s+(\d+) / (\d+)$", out)
    assert int(starts_expected) > 0, "the script opened incidents"
    assert (starts_sent, resolves_sent) == (starts_expected, resolves_expected)
    assert figure(r"^  wrong:\s+(\d+)$", out) == ("0",)
    assert figure(r"^  missing:\s+(\d+)$", out) == ("0",)
    start_mb, end_mb, growth_mb = figure(
        r"^RSS:\s+([\d.]+) MB at start, ([\d.]+) MB at end \(([-+][\d.]+) MB\)", out
    )
    assert float(growth_mb) < 5
    assert abs(float(end_mb) - float(start_mb) - float(growth_mb)) < 0.11
    start_fds, end_fds, _ = figure(r"^open descriptors:\s+(\d+) at start, (\d+) at end \(([-+]\d+)\)", out)
    assert int(end_fds) <= int(start_fds)
    assert figure(r"^result:\s+(\w+)$", out) == ("PASS",)
