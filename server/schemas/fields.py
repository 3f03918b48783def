"""The field types and validators every schema uses: Chinese messages and bounds, declared once.

Schemas use these (`fields.String`, `fields.Integer`, `fields.Length` ...) instead of marshmallow's
own, so that every message a user can read is Chinese and every value that passes a field fits
where it goes:

- `String` (alias `Text`) refuses NUL and unpaired surrogates (PostgreSQL stores neither, and a lone
  surrogate cannot even be encoded as UTF-8).
- `Integer` refuses what a PostgreSQL `integer` cannot hold (outside -2**31 .. 2**31-1) unless a
  narrower `Range` is given; `Id` is a row id, 1 .. 2**31-1.
- `Date` and `LocalDateTime` accept local dates from `EARLIEST_DATE` to `LATEST_DATE`, so adding a
  day, a time zone offset or a shift's length never leaves Python's or the database's range.
- `DateOrDateTime` (list filters) accepts a local date or an ISO 8601 date-time.
- `Base64Bytes` decodes base64 text into the bytes it carries (an uploaded file).

`tests/test_bad_input.py` walks every schema with bad values and fails on an English message.
"""

import base64
import binascii
import math
from datetime import date, datetime, timezone

import marshmallow as ma

from server.localtime import app_timezone, to_local

INT_MIN, INT_MAX = -(2**31), 2**31 - 1  # PostgreSQL `integer`
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2099, 12, 31)
DATE_RANGE_MESSAGE = f"日期须在 {EARLIEST_DATE.isoformat()} 至 {LATEST_DATE.isoformat()} 之间"

FIELD_MESSAGES = {
    "required": "缺少必填字段",
    "null": "不能为空",
    "validator_failed": "无效的值",
}


class Length(ma.validate.Length):
    message_min = "长度不能少于 {min}"
    message_max = "长度不能超过 {max}"
    message_all = "长度须在 {min} 到 {max} 之间"
    message_equal = "长度须为 {equal}"


class Range(ma.validate.Range):
    message_min = "须{min_op} {{min}}"
    message_max = "须{max_op} {{max}}"
    message_all = "须{min_op} {{min}}且{max_op} {{max}}"
    message_gte = "大于或等于"
    message_gt = "大于"
    message_lte = "小于或等于"
    message_lt = "小于"


class OneOf(ma.validate.OneOf):
    default_message = "须为以下之一：{choices}"


class Field(ma.fields.Field):
    default_error_messages = FIELD_MESSAGES


class Raw(ma.fields.Raw):
    default_error_messages = FIELD_MESSAGES


def _has_bad_characters(value):
    if "\x00" in value:
        return "nul"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "surrogate"
    return None


class String(ma.fields.String):
    """Text: refuses NUL characters and unpaired surrogates."""

    default_error_messages = {
        **FIELD_MESSAGES,
        "invalid": "不是有效的文本",
        "invalid_utf8": "不是有效的 UTF-8 文本",
        "nul": "不能包含 NUL 字符",
        "surrogate": "包含无效的 Unicode 字符（未配对的代理项）",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        problem = _has_bad_characters(value)
        if problem:
            raise self.make_error(problem)
        return value


Text = String


class Base64Bytes(ma.fields.String):
    """Bytes sent as base64 text (a file's own bytes, whatever its encoding)."""

    default_error_messages = {**FIELD_MESSAGES, "invalid": "不是有效的 base64", "invalid_utf8": "不是有效的 base64"}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise self.make_error("invalid") from None


class Integer(ma.fields.Integer):
    """An integer a PostgreSQL `integer` column holds, unless a `Range` validator narrows it."""

    default_error_messages = {**FIELD_MESSAGES, "invalid": "不是有效的整数", "too_large": "数字过大"}
    lowest, highest = INT_MIN, INT_MAX

    def __init__(self, **kwargs):
        validate = kwargs.pop("validate", None)
        validators = [] if validate is None else list(validate) if isinstance(validate, (list, tuple)) else [validate]
        ranges = [v for v in validators if isinstance(v, ma.validate.Range)]
        bounded = any(
            r.min is not None and r.max is not None and r.min >= self.lowest and r.max <= self.highest for r in ranges
        )
        if not bounded:
            validators.insert(0, Range(min=self.lowest, max=self.highest))
        super().__init__(validate=validators, **kwargs)


class Id(Integer):
    """A row id: 1 .. 2**31-1."""

    lowest = 1


class Float(ma.fields.Float):
    """A finite number; `strict=True` refuses a number sent as text ("22.5") in a JSON body."""

    default_error_messages = {
        **FIELD_MESSAGES,
        "invalid": "不是有效的数字",
        "too_large": "数字过大",
        "special": "不允许 NaN 或无穷大",
    }

    def __init__(self, *, strict=False, **kwargs):
        self.strict = strict
        super().__init__(**kwargs)

    def _validated(self, value):
        if self.strict and not isinstance(value, (int, float)):
            raise self.make_error("invalid")
        return super()._validated(value)


class GeoPoint(ma.fields.Field):
    """A query parameter `<latitude>,<longitude>` in degrees (-90..90, -180..180): a `(lat, lng)` tuple."""

    default_error_messages = {
        **FIELD_MESSAGES,
        "invalid": "须为“纬度,经度”，如 22.5431,114.0579",
        "out_of_range": "纬度须在 -90 至 90 之间，经度须在 -180 至 180 之间",
    }

    def __init__(self, **kwargs):
        kwargs["metadata"] = {"type": "string", "example": "22.5431,114.0579", **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        parts = value.split(",") if isinstance(value, str) and len(value) <= 64 else []
        try:
            lat, lng = (float(part) for part in parts)
        except ValueError:
            raise self.make_error("invalid") from None
        if not (math.isfinite(lat) and math.isfinite(lng)):
            raise self.make_error("invalid")
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise self.make_error("out_of_range")
        return lat, lng

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{value[0]},{value[1]}"


class Boolean(ma.fields.Boolean):
    default_error_messages = {**FIELD_MESSAGES, "invalid": "不是有效的布尔值"}


def _check_date(field, day):
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise field.make_error("out_of_range")


class Date(ma.fields.Date):
    """A date `YYYY-MM-DD` from EARLIEST_DATE to LATEST_DATE."""

    default_error_messages = {
        **FIELD_MESSAGES,
        "invalid": "不是有效的日期（格式 YYYY-MM-DD）",
        "format": "无法格式化为日期",
        "out_of_range": DATE_RANGE_MESSAGE,
    }

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        _check_date(self, day)
        return day


class Time(ma.fields.Time):
    default_error_messages = {**FIELD_MESSAGES, "invalid": "不是有效的时间", "format": "无法格式化为时间"}


DATETIME_MESSAGES = {
    **FIELD_MESSAGES,
    "invalid": "不是有效的时间（ISO 8601，如 2026-12-01T09:30:00+08:00）",
    "invalid_awareness": "时间的时区信息无效",
    "format": "无法格式化为时间",
    "out_of_range": DATE_RANGE_MESSAGE,
}


def _to_utc(field, parsed):
    """An aware UTC datetime from a parsed one (naive: APP_TIMEZONE), inside the date range both as
    given and in APP_TIMEZONE, so no later offset or day arithmetic overflows."""
    _check_date(field, parsed.date())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=app_timezone())
    utc = parsed.astimezone(timezone.utc)
    _check_date(field, to_local(utc).date())
    return utc


class LocalDateTime(ma.fields.DateTime):
    """ISO 8601 in and out. Output is in APP_TIMEZONE with its offset; input without an offset is read
    as APP_TIMEZONE, input with one is respected; either way the value is stored in UTC. Input
    between EARLIEST_DATE and LATEST_DATE (local) only."""

    default_error_messages = DATETIME_MESSAGES

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("example", "2026-12-01T09:30:00+08:00")
        super().__init__(format="iso", **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return to_local(value).isoformat()

    def _deserialize(self, value, attr, data, **kwargs):
        return _to_utc(self, super()._deserialize(value, attr, data, **kwargs))


class DateOrDateTime(ma.fields.Field):
    """A list filter's bound: a local date `YYYY-MM-DD` (a date), or an ISO 8601 date-time with or
    without an offset (an aware UTC datetime; without an offset it is APP_TIMEZONE)."""

    default_error_messages = {**DATETIME_MESSAGES, "invalid": "不是有效的日期或时间（YYYY-MM-DD 或 ISO 8601 时间）"}

    def __init__(self, **kwargs):
        kwargs["metadata"] = {"type": "string", **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        try:
            if len(value) == 10:
                day = date.fromisoformat(value)
                _check_date(self, day)
                return day
            parsed = datetime.fromisoformat(value)
        except (TypeError, ValueError, OverflowError) as error:
            raise self.make_error("invalid") from error
        return _to_utc(self, parsed)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.isoformat() if not isinstance(value, datetime) else to_local(value).isoformat()


class List(ma.fields.List):
    default_error_messages = {**FIELD_MESSAGES, "invalid": "不是有效的列表"}


class Nested(ma.fields.Nested):
    default_error_messages = {**FIELD_MESSAGES, "type": "类型无效，应为对象"}


class Dict(ma.fields.Dict):
    default_error_messages = {**FIELD_MESSAGES, "invalid": "不是有效的对象"}


class Method(ma.fields.Method):
    default_error_messages = FIELD_MESSAGES


__all__ = [
    "Boolean", "Date", "DateOrDateTime", "Dict", "Field", "Float", "GeoPoint", "Id", "Integer", "Length", "List",
    "LocalDateTime", "Method", "Nested", "OneOf", "Range", "Raw", "String", "Text", "Time",
]
