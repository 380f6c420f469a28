"""Built-ins heal themselves: a page that moved platform (or host) is found again and followed.

The reader hands every poll of a built-in provider to `Healer.after_poll`; the pure rules of
`core.healing` say when the catalog's kind has stopped answering often enough to look again.
Then the page's root is fetched once (a redirect to another https host is followed), and the
`auto` detection order is tried there. What answers is read from then on, for the run; a
format found at the same root is also put in the reader's `detected` map, which the engine
saves, so a restart starts from it. The move is said once in the log, and kept in `moves` for
the details page.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from trayapp.adapters import FORMATS, ParseContext
from trayapp.catalog import ProviderSpec
from trayapp.core.healing import Moved, Strikes, after_poll, moved_root
from trayapp.model import Failure, ParsedPage

log = logging.getLogger(__name__)

Detect = Callable[[ProviderSpec, ParseContext], tuple[str, ParsedPage] | Failure]
"""Detect the format at a spec's root: the kind and page that answered, or why none did."""
Land = Callable[[str], str | None]
"""Fetch a URL: the URL that finally answered (after redirects), or None."""


@dataclass(frozen=True)
class _Healed:
    catalog: ProviderSpec  # the entry as the catalog has it: a changed entry starts afresh
    spec: ProviderSpec  # what is read instead


def _at(spec: ProviderSpec, kind: str, root: str) -> ProviderSpec:
    """`spec` read as `kind` under `root` (no single named document any more)."""
    return replace(spec, kind=kind, url=root, source=None)


class Healer:
    """Per built-in provider: misses in a row, the last detection, where a moved page is read."""

    def __init__(self, detected: dict[str, str]) -> None:
        self._detected = detected  # the reader's own map: the engine saves it
        self._strikes: dict[str, Strikes] = {}
        self._healed: dict[str, _Healed] = {}
        # Replaced, never changed in place: another thread reads it for the details page.
        self.moves: Mapping[str, Moved] = {}
        self._moving = threading.Lock()  # two providers may move at once, on two workers

    def current(self, spec: ProviderSpec, home: str) -> ProviderSpec:
        """The spec to read: a built-in's healed one, else `spec` itself.

        `home` is the root the format is detected under (the page, for an entry that names a
        single document). A format found there in an earlier run starts from there.
        """
        if not spec.builtin or spec.kind == "auto":
            return spec
        healed = self._healed.get(spec.id)
        if healed is not None and healed.catalog == spec:
            return healed.spec
        kind = self._detected.get(spec.id)
        if kind is not None and kind in FORMATS and (kind != spec.kind or spec.source is not None):
            return _at(spec, kind, home)
        return spec

    def after_poll(
        self,
        spec: ProviderSpec,
        reading: ProviderSpec,
        result: ParsedPage | Failure,
        *,
        context: ParseContext,
        reachable: bool,
        home: str,
        detect: Detect,
        land: Land,
    ) -> tuple[ProviderSpec, ParsedPage] | None:
        """After one poll of `spec` (read as `reading`): the spec and page to use instead, or None."""
        if not spec.builtin or spec.kind == "auto":
            return None
        strikes, due = after_poll(self._strikes.get(spec.id, Strikes()), result, reachable, context.now)
        self._strikes[spec.id] = strikes
        if not due:
            return None
        why = result.reason if isinstance(result, Failure) else ""
        log.info("%s: the page no longer answers as %s (%s); detecting again", spec.name, reading.kind, why)
        landed = land(home)
        root = moved_root(home, landed) if landed else None
        found = detect(_at(spec, spec.kind, root or home), context)
        if isinstance(found, Failure):
            log.info("%s: no known format at %s (%s)", spec.name, root or home, found.reason)
            return None
        kind, page = found
        self._strikes[spec.id] = Strikes(0, strikes.last_try)
        healed = _at(spec, kind, root or home)
        if reading.source is None and (kind, healed.root) == (reading.kind, reading.root):
            return reading, page  # the same format answered again: nothing moved
        self._healed[spec.id] = _Healed(spec, healed)
        if root is None:
            self._detected[spec.id] = kind  # same root: saved, so a restart reads it at once
        else:
            self._detected.pop(spec.id, None)  # a kind alone would be read at the old root
        moved = Moved(spec.name, kind, healed.root)
        with self._moving:
            self.moves = {**self.moves, spec.id: moved}
        log.warning("%s", moved.log_line())
        return healed, page
