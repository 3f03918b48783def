"""An activity's roster for its organizers, and how it is shown: JSON rows, and CSV/XLSX files with
Chinese headers.

Rules: confirmed registrations first, then places held for an offer (待确认, with their deadline), the
waitlist in its order, pending sign-ups (待审核), lottery entries, then the ended ones (cancelled,
expired offers, rejected with their reason, not drawn); a `status` filter keeps one of them. The JSON
roster shows every phone masked, to everyone (PIPL: no lists of numbers on screens); the community's
own organizers reveal one person's number at a time (`reveal_registration_phone`, audited) and get
full numbers in file exports. Admins see masked numbers everywhere and may not reveal them. Someone
"can't be reminded" (`cannot_be_reminded`) when their place is confirmed but no activity reminder can
reach them (no subscription credits left): the organizer should phone them. Every file export and
every reveal is audited. Walk-ins (代报名, no account: `Registration.walk_in_name` and `walk_in_phone`)
are on the roster like anyone, shown by the name and phone the organizer typed, with no reminder
credits (nothing can remind them: phone them), and `代报名` where a nickname would be.

Locks: none; a roster is a read (an export or a reveal writes only its audit row).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from server.extensions import db
from server.models import Activity, Registration
from server.errors import Forbidden, NotFound
from server.services.activity_access import get_managed_activity
from server.services.exports import Document, RosterFile, export_roster, file_name, period_text
from server.services.my_registrations import WAITLIST_ORDER, waitlist_position
from server.services.questions import answer_cells, answer_headers
from server.services.reminders import remaining_credits
from server.models import mask_phone
from server.services.users import RevealedPhone, contact, record_audit, sees_full_phone

WALK_IN_NICKNAME = "代报名"

# Every registration status (`REGISTRATION_STATUSES`; a test checks), in the order the roster lists them.
ROSTER_ORDER = {
    status: index
    for index, status in enumerate(
        ("confirmed", "offered", "waitlisted", "pending", "entered", "cancelled", "expired", "rejected", "not_drawn")
    )
}
ROSTER_HEADERS = ["序号", "姓名", "昵称", "手机号", "状态", "候补顺位", "同行人数", "备注", "报名时间", "签到时间"]
STATUS_ZH = {
    "confirmed": "已确认", "waitlisted": "候补", "offered": "待确认", "pending": "待审核", "entered": "已参与抽签",
    "cancelled": "已取消", "expired": "名额邀请已过期", "rejected": "未通过", "not_drawn": "未中签",
}


@dataclass(frozen=True)
class RosterEntry:
    """One registration as its organizer sees it (`RosterItemSchema`)."""

    registration_id: int
    user: dict  # `users.contact`: the full phone only in files, for the community's own organizers
    status: str
    waitlist_position: int | None
    companions: int
    remark: str
    registered_at: datetime
    checked_in_at: datetime | None
    reminder_credits: int  # activity reminders that can still be sent to them
    walk_in: bool = False  # registered by an organizer for someone without an account (代报名)
    registered_by: str | None = None  # the organizer who registered a walk-in
    checked_in_uploaded_at: datetime | None = None  # set: scanned offline, uploaded then (离线补传)
    offer_expires_at: datetime | None = None  # offered: the held places wait until then
    reject_reason: str | None = None  # rejected: the organizer's reason
    answers: dict | None = None  # answers to the activity's questions, by question id


@dataclass(frozen=True)
class Roster:
    """An activity's roster (`RosterSchema`): the activity, counts over every registration, the entries."""

    activity: Activity
    counts: dict
    items: list


def cannot_be_reminded(entry):
    """A confirmed person no activity reminder can reach (no credits left): phone them."""
    return entry.status == "confirmed" and entry.reminder_credits == 0


def activity_roster(actor, activity_id, unreminded=False, for_file=False, status=None):
    """The roster of an activity the actor organizes, in `ROSTER_ORDER` (the waitlist in its order);
    with `status`, only the entries of that status, with `unreminded`, only the entries that
    `cannot_be_reminded` (the counts still count everyone). Phones are masked, except `for_file` for
    the community's own organizers. Raises NotFound, Forbidden.
    """
    activity = get_managed_activity(actor, activity_id)
    registrations = db.session.scalars(
        select(Registration).where(Registration.activity_id == activity.id).order_by(*WAITLIST_ORDER)
    ).all()
    registrations.sort(key=lambda r: ROSTER_ORDER[r.status])
    counts = dict.fromkeys(ROSTER_ORDER, 0)
    full_phone = for_file and sees_full_phone(actor, activity.community_id)
    credits = remaining_credits({r.user_id for r in registrations if r.user_id is not None}, "activity_reminder")
    items = []
    for registration in registrations:
        counts[registration.status] += 1
        # In waitlist order here, so the count so far is the position.
        position = counts["waitlisted"] if registration.status == "waitlisted" else None
        items.append(roster_entry(registration, full_phone, credits, position))
    counts["checked_in"] = sum(1 for r in registrations if r.checked_in_at is not None)
    counts["places"] = activity.confirmed_count
    if status is not None:
        items = [entry for entry in items if entry.status == status]
    if unreminded:
        items = [entry for entry in items if cannot_be_reminded(entry)]
    return Roster(activity, counts, items)


def walk_in_contact(registration, full_phone):
    """A walk-in as a roster shows them (the shape of `users.contact`, with no account id)."""
    return {
        "id": None,
        "real_name": registration.walk_in_name,
        "nickname": WALK_IN_NICKNAME,
        "phone_masked": mask_phone(registration.walk_in_phone),
        "phone": registration.walk_in_phone if full_phone else None,
    }


def roster_entry(registration, full_phone, credits, position):
    """One registration as its roster shows it; `credits`: `{user_id: reminder credits}`."""
    walk_in = registration.user_id is None
    registered_by = registration.registered_by
    return RosterEntry(
        registration_id=registration.id,
        user=walk_in_contact(registration, full_phone) if walk_in else contact(registration.user, full_phone),
        status=registration.status,
        waitlist_position=position,
        companions=registration.companions,
        remark=registration.remark,
        registered_at=registration.registered_at,
        checked_in_at=registration.checked_in_at,
        reminder_credits=0 if walk_in else credits.get(registration.user_id, 0),
        walk_in=walk_in,
        registered_by=(registered_by.real_name or registered_by.nickname) if registered_by is not None else None,
        checked_in_uploaded_at=registration.checked_in_uploaded_at,
        offer_expires_at=registration.offer_expires_at,
        reject_reason=registration.reject_reason,
        answers=registration.answers,
    )


def entry_of(registration):
    """One registration as the JSON roster shows it (phones masked), its waitlist position counted."""
    position = None
    if registration.status == "waitlisted":
        position = db.session.scalar(select(waitlist_position()).where(Registration.id == registration.id))
    credits = remaining_credits({registration.user_id}, "activity_reminder") if registration.user_id else {}
    return roster_entry(registration, False, credits, position)


def roster_rows(roster):
    """The rows of a roster file, under `ROSTER_HEADERS`."""
    return [
        [
            number,
            entry.user["real_name"] or "",
            entry.user["nickname"] or "",
            entry.user["phone"] or entry.user["phone_masked"] or "",
            STATUS_ZH[entry.status] + ("（离线补传）" if entry.checked_in_uploaded_at is not None else ""),
            entry.waitlist_position or "",
            entry.companions,
            entry.remark,
            entry.registered_at,
            entry.checked_in_at,
        ]
        for number, entry in enumerate(roster.items, start=1)
    ]


def export_activity_roster(actor, activity_id, fmt):
    """The whole roster as a `csv` or `xlsx` sign-in sheet named `<title>-报名名单`, its title block naming
    the activity, its time and venue, and a column per question the activity asks (headed by its label);
    records the export in the audit log (flushes).
    Raises NotFound, Forbidden."""
    roster = activity_roster(actor, activity_id, for_file=True)
    activity = roster.activity
    questions = activity.questions or []
    document = Document(
        title=activity.title,
        headers=ROSTER_HEADERS + answer_headers(questions),
        rows=[row + answer_cells(questions, entry.answers) for row, entry in zip(roster_rows(roster), roster.items)],
        details=[("活动时间", period_text(activity.starts_at, activity.ends_at)), ("活动地点", activity.venue or "")],
        signatures=True,
    )
    body = export_roster(actor, fmt, document, ("activity", activity.id, {"title": activity.title}))
    return RosterFile(body, file_name(f"{activity.title}-报名名单"))


def reveal_registration_phone(actor, activity_id, registration_id):
    """One registrant's full number, for an organizer of the activity's own community to call them;
    writes `phone.reveal` to the audit log (who, whose, which activity and registration).

    Raises NotFound (`activity_not_found`, `registration_not_found`: not on this activity's roster),
    Forbidden (not an organizer of its community; admins included).
    """
    activity = get_managed_activity(actor, activity_id)
    if not sees_full_phone(actor, activity.community_id):
        raise Forbidden("forbidden", "只有该活动所在社区的组织者可以查看完整手机号")
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.activity_id != activity.id:
        raise NotFound("registration_not_found", "该活动没有这条报名记录")
    if registration.user_id is None:  # a walk-in: the number the organizer typed
        record_audit(actor, "phone.reveal", "registration", registration.id, activity_id=activity.id, walk_in=True)
        db.session.flush()
        return RevealedPhone(registration.walk_in_phone)
    record_audit(actor, "phone.reveal", "user", registration.user_id,
                 activity_id=activity.id, registration_id=registration.id)
    db.session.flush()
    return RevealedPhone(registration.user.phone)
