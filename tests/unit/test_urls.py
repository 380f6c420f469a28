"""The one URL rule: which texts may be a link, which may be fetched, which hosts are loopback."""

from __future__ import annotations

import pytest

from trayapp.adapters import _common
from trayapp.core import markup
from trayapp.core.urls import UrlProblem, is_loopback, safe_url, url_problem

SPACES, MALFORMED, NOT_WEB, PLAIN_HTTP = (
    UrlProblem.SPACES,
    UrlProblem.MALFORMED,
    UrlProblem.NOT_WEB,
    UrlProblem.PLAIN_HTTP,
)

# (url, problem as a link, problem as a fetched URL)
CASES: list[tuple[str, UrlProblem | None, UrlProblem | None]] = [
    # schemes
    ("https://status.openai.com", None, None),
    ("https://status.openai.com/incidents/01abc?x=1#top", None, None),
    ("HTTPS://Status.Example/x", None, None),
    ("HTTP://example.com/x", None, PLAIN_HTTP),
    ("http://status.acme.example", None, PLAIN_HTTP),
    ("http://10.0.0.1/", None, PLAIN_HTTP),
    ("javascript:alert(1)", NOT_WEB, NOT_WEB),
    ("JaVaScRiPt:alert(1)", NOT_WEB, NOT_WEB),
    ("javascript://example.com/%0aalert(1)", NOT_WEB, NOT_WEB),
    ("data:text/html,x", NOT_WEB, NOT_WEB),
    ("data:text/html;base64,PHNjcmlwdD4=", NOT_WEB, NOT_WEB),
    ("file:///etc/passwd", NOT_WEB, NOT_WEB),
    ("ftp://status.acme.example", NOT_WEB, NOT_WEB),
    ("mailto:a@b.example", NOT_WEB, NOT_WEB),
    ("vbscript:msgbox(1)", NOT_WEB, NOT_WEB),
    # no host, relative, protocol-relative
    ("https://", NOT_WEB, NOT_WEB),
    ("https:///path", NOT_WEB, NOT_WEB),
    ("https://:443/", NOT_WEB, NOT_WEB),
    ("//example.com", NOT_WEB, NOT_WEB),
    ("//example.com/x", NOT_WEB, NOT_WEB),
    ("/relative/path", NOT_WEB, NOT_WEB),
    ("status.acme.example", NOT_WEB, NOT_WEB),
    # userinfo: no rule refuses it (a fetched page may carry its basic-auth credentials)
    ("https://user:secret@status.example/", None, None),
    ("https://status.openai.com@evil.example/", None, None),
    ("http://user@127.0.0.1:9/", None, None),
    # loopback: plain http is fetched only there
    ("http://127.0.0.1:8080/status", None, None),
    ("http://127.1.2.3/", None, None),
    ("http://[::1]:9/x", None, None),
    ("http://[::ffff:127.0.0.1]/", None, None),
    ("http://localhost:9/", None, None),
    ("http://LOCALHOST./", None, None),
    ("http://localhost.example/", None, PLAIN_HTTP),
    ("http://[::2]/", None, PLAIN_HTTP),
    # IDN hosts are hosts
    ("https://bücher.example/status", None, None),
    ("https://xn--bcher-kva.example/status", None, None),
    ("http://bücher.example/", None, PLAIN_HTTP),
    # ports and brackets
    ("https://a.example:port/", MALFORMED, MALFORMED),
    ("https://a.example:99999/", MALFORMED, MALFORMED),
    ("https://a.example:8443/", None, None),
    ("https://[::1/", MALFORMED, MALFORMED),
    # characters that end an HTML attribute or a tag
    ('https://example.com/"onmouseover="x', MALFORMED, MALFORMED),
    ("https://example.com/'x", MALFORMED, MALFORMED),
    ("https://example.com/<script>", MALFORMED, MALFORMED),
    # spaces and control characters, anywhere
    ("", SPACES, SPACES),
    (" https://example.com", SPACES, SPACES),
    ("https://example.com ", SPACES, SPACES),
    ("https://ex ample.com", SPACES, SPACES),
    ("https://example.com/\nx", SPACES, SPACES),
    ("https://example.com/\tx", SPACES, SPACES),
    ("https://example.com/\x00", SPACES, SPACES),
    ("https://example.com/\x7f", SPACES, SPACES),
    ("https://example.com/\x85", SPACES, SPACES),
    ("https://example.com/\x9b", SPACES, SPACES),
    ("https://example.com/\u00a0x", SPACES, SPACES),
    ("https://example.com/\u3000x", SPACES, SPACES),
    ("java\nscript:alert(1)", SPACES, SPACES),
]


@pytest.mark.parametrize(("url", "as_link", "as_fetched"), CASES)
def test_url_problem(url: str, as_link: UrlProblem | None, as_fetched: UrlProblem | None) -> None:
    assert (url_problem(url), url_problem(url, fetched=True)) == (as_link, as_fetched)


@pytest.mark.parametrize(("url", "as_link", "as_fetched"), CASES)
def test_safe_url_is_the_url_or_none(
    url: str, as_link: UrlProblem | None, as_fetched: UrlProblem | None
) -> None:
    expected = (url if as_link is None else None, url if as_fetched is None else None)
    assert (safe_url(url), safe_url(url, fetched=True)) == expected


def test_safe_url_of_nothing_is_none() -> None:
    assert (safe_url(None), safe_url(None, fetched=True)) == (None, None)


def test_pages_and_adapters_use_the_same_rule() -> None:
    assert markup.safe_url is safe_url
    # The adapters trim a payload's field first (tested below), so only already-trimmed texts here.
    for url, as_link, _as_fetched in CASES:
        if url == url.strip():
            assert _common.safe_url(url) == (url if as_link is None else None), url


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  https://status.example/x\n", "https://status.example/x"),
        ("\thttp://status.example/\t", "http://status.example/"),
        (42, None),
        (None, None),
        (["https://status.example"], None),
        ({"url": "https://status.example"}, None),
    ],
)
def test_a_payload_field_is_trimmed_before_the_rule(value: object, expected: str | None) -> None:
    assert _common.safe_url(value) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8080/", True),
        ("http://127.1.2.3/", True),
        ("http://127.255.255.254/", True),
        ("http://[::1]:9/", True),
        ("http://[0:0:0:0:0:0:0:1]/", True),
        ("http://localhost/", True),
        ("http://localhost./", True),
        ("https://LOCALHOST:443/x", True),
        ("http://[::ffff:127.0.0.1]/", True),
        ("http://user:pw@127.0.0.1/", True),
        ("http://128.0.0.1/", False),
        ("http://126.255.255.255/", False),
        ("http://10.0.0.1/", False),
        ("http://0.0.0.0/", False),
        ("http://[::]/", False),
        ("http://[::2]/", False),
        ("http://[::ffff:10.0.0.1]/", False),
        ("http://localhost.example/", False),
        ("http://mylocalhost/", False),
        ("http://127.0.0.1.example/", False),
        ("http://127.0.0.1@evil.example/", False),
        ("https://status.openai.com", False),
        ("not a url", False),
        ("http://[::1/", False),
        ("", False),
    ],
)
def test_is_loopback(url: str, expected: bool) -> None:
    assert is_loopback(url) is expected
