"""Events as organisations hear of them (webhooks and the events listing): never any personal data."""

from __future__ import annotations

from typing import Any


def event_view(row: Any) -> dict[str, Any]:
    """What a notification and the events listing say about one outbox event: no personal data."""
    data: dict[str, Any] = {"object": row.object_type, "id": row.object_id}
    if row.object_version is not None:
        data["version"] = row.object_version
    return {
        "event_id": f"msg_{row.id}",
        "seq": row.id,
        "type": row.event_type,
        "data": data,
        "timestamp": row.created_at,
    }
