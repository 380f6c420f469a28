"""Everything from a status page is untrusted: markup stays text, only web links open, and
the package never evaluates, unpickles, shells out or parses XML unsafely."""

from __future__ import annotations

import ast
import html
import ssl
from pathlib import Path
from typing import Any

import plyer
import pytest

from tests.faults.pages import CALM, incident, summary
from tests.faults.rig import Rig
from tests.support.server import StatusServer
from tests.support.watching import wait_until, watching, write_config
from trayapp.core.menu import MenuItem, UiState, build_menu
from trayapp.shell import details, fetch
from trayapp.shell.notify import PlyerNotifier

PACKAGE = Path(__file__).resolve().parents[2] / "trayapp"
SUMMARY = "/acme/api/v2/summary.json"
HOSTILE_NAMES = [
    '<b>Big</b> outage & <a href="javascript:alert(1)">details</a>',
    "<img src=x onerror=alert(2)>",
]
HOSTILE_UPDATE = "<script>alert(3)</script>We are &lt;b&gt;on it&lt;/b&gt; &amp; more"


class FakePlyerNotification:
    """Stands in for plyer's notification facade and keeps every call."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def notify(self, **fields: Any) -> None:
        self.calls.append(fields)


def test_markup_in_incident_names_and_updates_reaches_the_desktop_as_text(
    server: StatusServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakePlyerNotification()
    monkeypatch.setattr(plyer, "notification", fake)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")  # "a desktop is there"
    first = [incident(f"inc-{n}", name=name) for n, name in enumerate(HOSTILE_NAMES)]
    server.set(SUMMARY, summary(*first))
    config = write_config(tmp_path / "config.toml", [("Acme", server.url + "/acme", "statuspage")])
    with watching(config, PlyerNotifier()):  # type: ignore[arg-type]
        wait_until(lambda: len(fake.calls) == 1, what="the summary of the open incidents")
        third = incident("inc-3", name="</b><i>Third</i>", incident_updates=[{"body": HOSTILE_UPDATE}])
        server.set(SUMMARY, summary(*first, third))
        wait_until(lambda: len(fake.calls) == 2, what="the start of the third incident")
    summary_call, start_call = fake.calls
    for call in fake.calls:
        assert "<" not in call["message"], call["message"]
        assert ">" not in call["message"], call["message"]
    for name in HOSTILE_NAMES:
        assert name in html.unescape(summary_call["message"]), "escaped, not stripped: the text survives"
    assert "We are <b>on it</b> & more" in html.unescape(start_call["message"])
    assert "</b><i>Third</i>" in start_call["title"], "the title is plain text by the notification spec"


def test_only_web_links_from_a_page_are_ever_handed_to_the_browser(
    server: StatusServer, rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr(details.webbrowser, "open", lambda url, new=0: opened.append(url) or True)
    hostile = [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "data:text/html,<b>x</b>",
        "vbscript:x",
        " https://a b",
    ]
    links = [incident(f"inc-{n}", shortlink=link) for n, link in enumerate(hostile)]
    links.append(incident("inc-ok", shortlink="https://stspg.io/ok"))
    server.set(SUMMARY, CALM)
    rig.poll()
    server.set(SUMMARY, summary(*links))
    rig.poll()
    actions: list[str] = []

    def walk(items: tuple[MenuItem, ...]) -> None:
        for item in items:
            if item.action and item.action.startswith("open:"):
                actions.append(item.action.removeprefix("open:"))
            walk(item.children)

    walk(build_menu(rig.engine.snapshot(), UiState()))
    assert "https://stspg.io/ok" in actions
    assert len(actions) == len(links) + 1, "every incident has a link (its page's, when its own is unsafe)"
    for url in [*actions, *hostile]:
        details.open_url(url)
    assert opened, "web links do open"
    assert all(url.startswith(("http://", "https://")) for url in opened), opened
    assert not set(hostile) & set(opened)


def test_tls_verification_is_on() -> None:
    context = fetch._ssl_context()
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname


# --- the package, read as source -------------------------------------------------------------

XML_PARSERS = {"parse", "fromstring", "fromstringlist", "XML", "XMLParser", "iterparse", "XMLPullParser",
               "parseString", "make_parser"}  # fmt: skip
FORBIDDEN_MODULES = {"pickle", "cPickle", "marshal", "shelve", "dill", "yaml", "lxml"}
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__"}
SHELL_FUNCTIONS = {"system", "popen", "execl", "execlp", "execv", "execvp", "spawnl", "spawnv"}


def unsafe_uses(source: str) -> list[str]:
    """What in `source` evaluates, unpickles, runs a shell, parses XML unsafely or turns TLS off."""
    tree = ast.parse(source)
    xml_aliases: set[str] = set()
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in FORBIDDEN_MODULES:
                    found.append(f"import {alias.name}")
                if alias.name.startswith("xml."):
                    xml_aliases.add(alias.asname or alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] in FORBIDDEN_MODULES:
                found.append(f"from {node.module} import")
            if node.module.startswith("xml.") or node.module == "xml":
                found += [f"from {node.module} import {a.name}" for a in node.names if a.name in XML_PARSERS]
                xml_aliases.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Name) and function.id in FORBIDDEN_CALLS:
                found.append(f"{function.id}()")
            if isinstance(function, ast.Attribute):
                owner = ast.unparse(function.value)
                if owner in xml_aliases and function.attr in XML_PARSERS:
                    found.append(f"{owner}.{function.attr}()")
                if owner == "os" and function.attr in SHELL_FUNCTIONS:
                    found.append(f"os.{function.attr}()")
            for keyword in node.keywords:
                value = keyword.value
                if keyword.arg == "shell" and not (isinstance(value, ast.Constant) and value.value is False):
                    found.append("shell=")
                if keyword.arg == "verify" and isinstance(value, ast.Constant) and value.value is False:
                    found.append("verify=False")
        elif isinstance(node, ast.Attribute) and node.attr in {"CERT_NONE", "_create_unverified_context"}:
            found.append(node.attr)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr == "check_hostname":
                    found.append("check_hostname =")
    return found


def test_the_source_check_finds_what_it_looks_for() -> None:
    sample = """
import pickle, subprocess, os, ssl, httpx
import xml.etree.ElementTree as ET
from xml.dom.minidom import parseString
eval("1")
ET.fromstring(b"<a/>")
subprocess.run("ls", shell=True)
os.system("ls")
httpx.Client(verify=False)
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
"""
    assert sorted(unsafe_uses(sample)) == sorted(
        ["import pickle", "from xml.dom.minidom import parseString", "eval()", "ET.fromstring()", "shell=",
         "os.system()", "verify=False", "check_hostname =", "CERT_NONE"]
    )  # fmt: skip


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_package_never_evaluates_unpickles_shells_out_or_parses_xml_unsafely(path: Path) -> None:
    assert unsafe_uses(path.read_text(encoding="utf-8")) == []


def test_xml_from_pages_goes_through_defusedxml_and_only_details_opens_a_browser() -> None:
    feed = (PACKAGE / "adapters" / "feed.py").read_text(encoding="utf-8")
    assert "import defusedxml.ElementTree" in feed
    openers = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if "webbrowser" in {n.split(".")[0] for n in _imports(p)}
    ]
    assert openers == ["shell/details.py"], "one gate to the browser: details.open_url"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names
