"""Statuspage v2 summary documents, built from a few facts, for the fault tests."""

from __future__ import annotations

import json
from typing import Any

T_START = "2026-02-04T15:00:00Z"


def incident(
    incident_id: str,
    name: str = "Elevated error rates",
    impact: str = "major",
    status: str = "investigating",
    **extra: Any,
) -> dict[str, Any]:
    """One incident object as a Statuspage summary lists it."""
    return {
        "id": incident_id,
        "name": name,
        "impact": impact,
        "status": status,
        "shortlink": f"https://stspg.io/{incident_id}",
        "started_at": T_START,
        "created_at": T_START,
        "updated_at": T_START,
        "incident_updates": [{"body": f"We are looking into {name}.", "created_at": T_START}],
        **extra,
    }


def summary(*incidents: dict[str, Any], components: dict[str, str] | None = None) -> bytes:
    """A summary.json: the components (name → status word) and the incidents it lists."""
    listed = components if components is not None else {"API": "operational", "Chat": "operational"}
    document = {
        "page": {"id": "acme", "name": "Acme", "url": "https://status.acme.example"},
        "status": {"indicator": "none", "description": "All Systems Operational"},
        "components": [
            {"id": f"c-{name}", "name": name, "status": status, "group": False}
            for name, status in listed.items()
        ],
        "incidents": list(incidents),
        "scheduled_maintenances": [],
    }
    return json.dumps(document).encode()


CALM = summary()
