"""Custom marshmallow fields."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import marshmallow as ma
from flask import current_app


def app_timezone():
    return ZoneInfo(current_app.config["APP_TIMEZONE"])


def to_local(value):
    """An aware datetime in APP_TIMEZONE (for display and exports)."""
    return value.astimezone(app_timezone())


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


def local_date_bounds(day):
    """The UTC start and end of a calendar day in APP_TIMEZONE."""
    start = datetime(day.year, day.month, day.day, tzinfo=app_timezone())
    end = start.replace(hour=23, minute=59, second=59, microsecond=999999)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)
