"""Subscribe-message templates: which template a message kind uses, how our values fill its fields,
and fitting each value to its field type's limits (WeChat rejects a value too long with 47003)."""

import re
from collections import defaultdict
from datetime import datetime

from flask import current_app

from server.config import TEMPLATE_KEYS
from server.localtime import to_local

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_NOT_CJK = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

TIPS = {
    "activity_reminder": "活动即将开始，请准时参加",
    "shift_reminder": "请按时到岗并扫码签到",
    "waitlist_promoted": "您已从候补转为正式报名",
    "cancelled_by_organizer": "给您带来不便，敬请谅解",
    "schedule_changed": "时间或地点有调整，请留意",
    "notice": "组织者发来通知，请留意",
    "signup_result": "请打开小程序查看报名结果",
    "shift_swap": "请打开小程序查看换班详情",
    "shift_vacancy": "岗位缺人，点此一键预约",
}
# A notice's text is cut into parts of this many characters, one `thing` field each.
NOTICE_PART = 20
STATUS = {
    "waitlist_promoted": "候补成功", "cancelled_by_organizer": "已取消", "schedule_changed": "已调整", "notice": "通知",
    "signup_result": "报名结果", "shift_swap": "换班", "shift_vacancy": "缺人",
}
# Value names as released before a shift's post (岗位) got its own word: settings written then, and
# messages queued then, call the post `role`. Both are read as the new name.
LEGACY_VALUE_NAMES = {"role": "post"}


def template_id(kind):
    """The template id of one message kind (a key of `TEMPLATE_KEYS`)."""
    return current_app.config[f"WECHAT_TEMPLATE_{kind.upper()}"]


def template_ids():
    """`{key: template_id}` for every template (`TEMPLATE_KEYS`)."""
    return {key: template_id(key) for key in TEMPLATE_KEYS}


def field_mapping(kind):
    """`[(field, value_key)]` from `WECHAT_TEMPLATE_<KIND>_FIELDS`."""
    text = current_app.config[f"WECHAT_TEMPLATE_{kind.upper()}_FIELDS"]
    pairs = []
    for part in text.split(","):
        field, _, value_key = part.strip().partition("=")
        if field and value_key:
            value_key = value_key.strip()
            pairs.append((field.strip(), LEGACY_VALUE_NAMES.get(value_key, value_key)))
    return pairs


def _truncate(text, limit):
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _moment(value):
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def fit_value(field, value):
    """The value as the field's type (the field name without its digits) accepts it."""
    kind = field.rstrip("0123456789")
    if kind in ("time", "date"):
        if isinstance(value, str) and "~" in value:
            return value  # already formatted as a range
        local = to_local(_moment(value))
        return f"{local:%Y年%m月%d日}" + (f" {local:%H:%M}" if kind == "time" else "")
    text = re.sub(r"\s+", " ", str(value or "")).strip()
    if kind == "thing":
        return _truncate(text, 20) or "无"
    if kind == "phrase":
        return _NOT_CJK.sub("", text)[:5] or "通知"
    if kind == "name":
        return text[:10] if _CJK.search(text) else text[:20]
    if kind in ("character_string", "letter"):
        return _CJK.sub("", text)[:32] or "-"
    if kind == "number":
        return re.sub(r"[^0-9.]", "", text)[:32] or "0"
    if kind == "symbol":
        return text[:5]
    if kind == "phone_number":
        return re.sub(r"[^0-9+\-]", "", text)[:17]
    if kind == "car_number":
        return text[:8]
    return _truncate(text, 20)


def message_values(kind, payload):
    """Every value a template may ask for, derived from the stored payload."""
    values = dict(payload)
    for old, new in LEGACY_VALUE_NAMES.items():
        if old in payload:
            values.setdefault(new, values.pop(old))
    values.setdefault("tip", TIPS[kind])
    values.setdefault("status", STATUS.get(kind, ""))
    if "text" in payload:  # a notice: its parts, one `thing` field each
        text = re.sub(r"\s+", " ", str(payload["text"])).strip()
        for index in range(3):
            values.setdefault(f"text_{index + 1}", text[index * NOTICE_PART : (index + 1) * NOTICE_PART])
    if "site" in payload:
        values.setdefault("title", f"{values['site']}{values.get('post', '')}值守")
    if "ends_at" in payload:
        start, end = to_local(_moment(payload["starts_at"])), to_local(_moment(payload["ends_at"]))
        end_text = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y年%m月%d日 %H:%M}"
        values["period"] = f"{start:%Y年%m月%d日 %H:%M}~{end_text}"
    elif "starts_at" in payload:
        values.setdefault("period", payload["starts_at"])
    return values


def render_message(kind, payload):
    """`(template_id, data, page)` ready for `send_subscribe_message`."""
    values = message_values(kind, payload)
    data = {field: fit_value(field, values.get(value_key, "")) for field, value_key in field_mapping(kind)}
    page_template = current_app.config[f"WECHAT_TEMPLATE_{kind.upper()}_PAGE"]
    # A payload may name its own page (an hours query's answer opens 我的时长, not an activity).
    page = payload.get("page") or (page_template.format_map(defaultdict(str, payload)) if page_template else None)
    return template_id(kind), data, page
