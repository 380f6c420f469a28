"""The CPU of one unchanged poll's request, in process: the blocking client against trayapp's.

    PYTHONPATH=. python benchmarks/request_cost.py [--requests 3000]

A local server (`tests.support.server.StatusServer`, in this process) answers a Statuspage
summary with an ETag, then 304 to every conditional GET. Measured with the calling thread's
CPU clock, so the server's threads do not count:

- ``httpx.Client``: the bare script's blocking client, one GET with If-None-Match at a time;
- ``Fetcher``: trayapp's fetcher (httpx.Client, redirects checked, size cap, deadline);
- ``PageReader``: the fetcher behind trayapp's reader, as the poller calls it (the cached page
  re-read at the poll's time), without the engine.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import httpx  # noqa: E402

from tests.support.server import StatusServer  # noqa: E402
from trayapp.catalog import ProviderSpec  # noqa: E402
from trayapp.shell.fetch import Fetcher  # noqa: E402
from trayapp.shell.reader import PageReader  # noqa: E402

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "statuspage" / "summary_all_operational.json"
PATH = "/api/v2/summary.json"


def blocking(url: str, requests: int) -> float:
    """Microseconds of CPU per conditional GET with httpx.Client."""
    with httpx.Client() as client:
        etag = client.get(url).headers["ETag"]
        started = time.thread_time()
        for _ in range(requests):
            assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
        return (time.thread_time() - started) / requests * 1e6


def fetcher(url: str, requests: int) -> float:
    """Microseconds of CPU per conditional GET with trayapp's Fetcher."""

    fetch = Fetcher()
    try:
        etag = fetch.get(url).etag
        started = time.thread_time()
        for _ in range(requests):
            assert fetch.get(url, etag=etag).not_modified
        return (time.thread_time() - started) / requests * 1e6
    finally:
        fetch.close()


def reader(root: str, requests: int) -> float:
    """Microseconds of CPU per poll of trayapp's PageReader (a 304 each time)."""
    spec = ProviderSpec("p", "P", root, "statuspage")

    fetch = Fetcher()
    pages = PageReader(fetch)
    try:
        for _ in range(3):  # the first read, the history document
            pages.read(spec)
        started = time.thread_time()
        for _ in range(requests):
            pages.read(spec)
        return (time.thread_time() - started) / requests * 1e6
    finally:
        fetch.close()


def main() -> None:
    """Measure and print the three figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=3000)
    count = parser.parse_args().requests
    server = StatusServer().start()
    try:
        server.set(PATH, FIXTURE.read_bytes())
        url = server.url + PATH
        base = blocking(url, count)
        figures = {
            "httpx.Client": base,
            "Fetcher": fetcher(url, count),
            "PageReader": reader(server.url, count),
        }
    finally:
        server.stop()
    for name, value in figures.items():
        print(f"{name:14s} {value:7.0f} µs CPU per request  ({value / base:.2f} × httpx.Client)")


if __name__ == "__main__":
    main()
