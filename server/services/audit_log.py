"""Reading the audit log (the console's 审计日志, admins only): filters, and what each entry says in Chinese.

Rules: only admins read it (Forbidden for everyone else, organizers included). Entries are shown
newest first. Phones are never shown (actors and targets by name and id). Read-only.

The actions written across the services (`users.record_audit`) are labelled in ACTION_LABELS; an action
added later without a label is shown as written. ACTION_GROUPS are the filter's choices: a group
matches its actions, and the export group every action with `export` in its name.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from server.errors import Forbidden
from server.extensions import db
from server.localtime import local_date_bounds, to_local
from server.models import Activity, AuditLog, Community, Shift, User
from server.services.people import name_or_phone_matches

ACTION_LABELS = {
    "roster.export": "导出文件",
    "phone.reveal": "查看完整手机号",
    "role.grant": "授予角色",
    "role.revoke": "撤销角色",
    "console_login": "登录管理后台",
    "console_logout_all": "退出全部电脑端登录",
    "membership.confirm": "确认社区居民",
    "membership.reject": "驳回或移除社区居民",
    "account.delete": "注销账号",
    "account.expire": "清理长期未登录账号",
    "activity.cancel": "取消活动",
    "registration.walk_in": "代报名",
    "registration.cancel": "代为取消报名",
    "registration.approve": "通过报名审核",
    "registration.reject": "驳回报名申请",
    "shift.cancel": "取消班次",
    "booking.move": "调换值守班次或岗位",
    "booking.release": "代为取消值守预约",
    "swap.approve": "同意换班",
    "swap.reject": "不同意换班",
    "booking.check_in_manual": "代为值守签到",
    "community.create": "新建社区",
    "community.update": "修改社区",
    "community.archive": "归档社区",
    "qualification.create": "新建资格",
    "qualification.update": "修改资格",
    "qualification.grant": "授予资格",
    "qualification.revoke": "撤销资格",
    "hours.confirm": "确认班次志愿时长",
    "hours.correct": "更正志愿时长",
    "hours.answer": "答复时长申诉",
    "hours.proof": "出具志愿服务证明",
}

# key: (label, exact actions, substring of other actions)
ACTION_GROUPS = {
    "export": ("导出文件", ("roster.export",), "export"),
    "phone": ("查看手机号", ("phone.reveal",), None),
    "role": ("角色授予与撤销", ("role.grant", "role.revoke"), None),
    "login": ("管理后台登录", ("console_login", "console_logout_all"), None),
    "membership": ("社区居民确认", ("membership.confirm", "membership.reject"), None),
    "cancel": ("取消活动或班次", ("activity.cancel", "shift.cancel"), None),
    "registration": ("代报名、代取消与报名审核",
                     ("registration.walk_in", "registration.cancel", "registration.approve", "registration.reject"), None),
    "booking": ("值守调换、代取消与代签到", ("booking.move", "booking.release", "booking.check_in_manual"), None),
    "swap": ("换班审核", ("swap.approve", "swap.reject"), None),
    "account": ("账号注销", ("account.delete", "account.expire"), None),
    "community": ("社区管理", ("community.create", "community.update", "community.archive"), None),
    "qualification": ("资格管理与授予",
                      ("qualification.create", "qualification.update", "qualification.grant", "qualification.revoke"),
                      None),
    "hours": ("志愿时长确认与更正", ("hours.confirm", "hours.correct", "hours.answer", "hours.proof"), None),
}

ROLE_LABELS = {"party_member": "党员", "organizer": "组织者", "admin": "管理员", "resident": "居民"}
TARGET_LABELS = {"user": "用户", "activity": "活动", "shift": "班次", "community": "社区", "site": "站点",
                 "registration": "报名", "booking": "值守预约"}
DETAIL_LABELS = {
    "role": "角色",
    "community_id": "社区",
    "format": "格式",
    "rows": "行数",
    "ip": "IP",
    "browser": "浏览器",
    "via": "方式",
    "was": "原状态",
    "reason": "原因",
    "title": "标题",
    "sessions": "会话数",
    "activity_id": "活动",
    "registration_id": "报名",
    "booking_id": "预约",
    "shift_id": "班次",
    "ended_early": "提前结束",
    "code": "编码",
    "name": "名称",
    "subdistrict": "街道",
    "date": "日期",
    "date_from": "起",
    "date_to": "止",
    "kind": "内容",
    "walk_in": "代报名",
    "year": "年度",
    "after_cutoff": "截止后",
    "post": "岗位",
    "status": "状态",
}
VALUE_LABELS = {
    "organizer": "组织者操作",
    "join_code": "扫社区码",
    "import": "批量导入",
    "console_member": "管理后台",
    "claimed": "待确认",
    "confirmed": "已确认",
    "waitlisted": "候补",
    "stats_report": "年度报告",
    True: "是",
    False: "否",
}


def action_label(action):
    return ACTION_LABELS.get(action, action)


def require_admin(actor):
    """Raises Forbidden unless `actor` is an admin."""
    if not actor.is_admin:
        raise Forbidden("forbidden", "只有街道管理员可以查看审计日志")


def audit_statement(actor, group=None, actor_search="", date_from=None, date_to=None):
    """`select(AuditLog)` newest first, filtered by action group, actor (full phone number, part of a
    name, or `#id`), and local dates (inclusive). Raises Forbidden (not an admin)."""
    require_admin(actor)
    statement = select(AuditLog)
    if group in ACTION_GROUPS:
        _label, actions, contains = ACTION_GROUPS[group]
        condition = AuditLog.action.in_(actions)
        if contains:
            condition = or_(condition, AuditLog.action.contains(contains, autoescape=True))
        statement = statement.where(condition)
    if actor_search:
        if actor_search.startswith("#") and actor_search[1:].isdigit() and len(actor_search) <= 11:
            statement = statement.where(AuditLog.actor_id == int(actor_search[1:]))
        else:
            statement = statement.where(
                AuditLog.actor_id.in_(select(User.id).where(name_or_phone_matches(actor_search)))
            )
    if date_from is not None:
        statement = statement.where(AuditLog.created_at >= local_date_bounds(date_from)[0])
    if date_to is not None:
        statement = statement.where(AuditLog.created_at <= local_date_bounds(date_to)[1])
    return statement.order_by(AuditLog.created_at.desc(), AuditLog.id.desc())


@dataclass(frozen=True)
class AuditEntry:
    """One line of the log as the page shows it."""

    id: int
    at: datetime
    actor: str
    action: str
    action_label: str
    target: str
    detail: str


def _person(user):
    if user is None:
        return ""
    return f"{user.real_name or user.nickname or '未填写姓名'}（#{user.id}）"


def describe(entries):
    """`AuditEntry` of each AuditLog row, their actors and targets loaded in one query per kind."""
    user_ids = {e.actor_id for e in entries if e.actor_id} | {
        e.target_id for e in entries if e.target_type == "user" and e.target_id
    }
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    community_ids = {e.target_id for e in entries if e.target_type == "community" and e.target_id}
    community_ids |= {
        e.detail["community_id"] for e in entries if isinstance(e.detail, dict) and isinstance(e.detail.get("community_id"), int)
    }
    communities = (
        {c.id: c.name for c in db.session.scalars(select(Community).where(Community.id.in_(community_ids)))}
        if community_ids
        else {}
    )
    activity_ids = {e.target_id for e in entries if e.target_type == "activity" and e.target_id}
    activities = (
        {a.id: a.title for a in db.session.scalars(select(Activity).where(Activity.id.in_(activity_ids)))}
        if activity_ids
        else {}
    )
    shift_ids = {e.target_id for e in entries if e.target_type == "shift" and e.target_id}
    shifts = (
        {s.id: s for s in db.session.scalars(select(Shift).where(Shift.id.in_(shift_ids)))} if shift_ids else {}
    )

    def target(entry):
        kind, target_id = entry.target_type, entry.target_id
        if not kind:
            return ""
        if kind == "user":
            return _person(users.get(target_id)) or f"用户 #{target_id}"
        if kind == "community" and target_id in communities:
            return f"社区：{communities[target_id]}"
        if kind == "activity" and target_id in activities:
            return f"活动：{activities[target_id]}（#{target_id}）"
        if kind == "shift" and target_id in shifts:
            shift = shifts[target_id]
            return f"班次：{shift.site.name} {to_local(shift.starts_at):%m-%d %H:%M}（#{target_id}）"
        return f"{TARGET_LABELS.get(kind, kind)} #{target_id}" if target_id else TARGET_LABELS.get(kind, kind)

    def value(key, raw):
        if key == "community_id" and raw in communities:
            return communities[raw]
        if key == "role":
            return ROLE_LABELS.get(raw, str(raw))
        if isinstance(raw, (bool, str)) and raw in VALUE_LABELS:
            return VALUE_LABELS[raw]
        if key.endswith("_id") and isinstance(raw, int) and not isinstance(raw, bool):
            return f"#{raw}"
        if isinstance(raw, (dict, list)):
            return "…"
        return str(raw)

    def detail(entry):
        if not isinstance(entry.detail, dict):
            return ""
        parts = [
            f"{DETAIL_LABELS.get(key, key)}：{value(key, raw)}"
            for key, raw in entry.detail.items()
            if raw is not None and raw != ""
        ]
        text = "；".join(parts)
        return text if len(text) <= 160 else text[:159] + "…"

    return [
        AuditEntry(
            id=entry.id,
            at=entry.created_at,
            actor=_person(users.get(entry.actor_id)) if entry.actor_id else "系统",
            action=entry.action,
            action_label=action_label(entry.action),
            target=target(entry),
            detail=detail(entry),
        )
        for entry in entries
    ]
