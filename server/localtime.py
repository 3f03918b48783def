"""Time in the sub-district's own zone (`APP_TIMEZONE`): times are stored in UTC and shown, bucketed
and bounded by calendar day in this zone."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app


def app_timezone():
    return ZoneInfo(current_app.config["APP_TIMEZONE"])


def local_today():
    """Today's date in APP_TIMEZONE."""
    return datetime.now(app_timezone()).date()


def to_local(value):
    """An aware datetime in APP_TIMEZONE (for display and exports)."""
    return value.astimezone(app_timezone())


def local_date_bounds(day):
    """The UTC start and end of a calendar day in APP_TIMEZONE."""
    start = datetime(day.year, day.month, day.day, tzinfo=app_timezone())
    end = start.replace(hour=23, minute=59, second=59, microsecond=999999)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)
