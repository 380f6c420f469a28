"""A notifier that keeps what it is given, for tests and the soak benchmark."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from trayapp.core.notices import Notice


class RecordingNotifier:
    """Keeps every notice; with a path, also appends each as a JSON line."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.sent: list[Notice] = []
        self._lock = threading.Lock()

    def send(self, notice: Notice) -> None:
        """Record `notice`."""
        with self._lock:
            self.sent.append(notice)
            if self.path is not None:
                record = {"kind": notice.kind, "title": notice.title, "body": notice.body, "url": notice.url}
                with self.path.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps(record, ensure_ascii=False) + "\n")
