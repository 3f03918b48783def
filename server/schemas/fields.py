"""Custom marshmallow fields."""

from datetime import timezone

import marshmallow as ma

from server.localtime import app_timezone, to_local


class LocalDateTime(ma.fields.DateTime):
    """ISO 8601 in and out. Output is in APP_TIMEZONE with its offset; input without an offset is read
    as APP_TIMEZONE, input with one is respected; either way the value is stored in UTC."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("example", "2026-12-01T09:30:00+08:00")
        super().__init__(format="iso", **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return to_local(value).isoformat()

    def _deserialize(self, value, attr, data, **kwargs):
        parsed = super()._deserialize(value, attr, data, **kwargs)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=app_timezone())
        return parsed.astimezone(timezone.utc)

