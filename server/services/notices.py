"""Notices: a short message an organizer sends to everyone confirmed (and optionally waitlisted) for
an activity, e.g. "明早因雨改在二楼活动室".

Rules:
- only the organizers of the activity's community (or an admin, as for every managed activity),
  only while it is published and has not ended (409 `activity_not_open`), and the text is 1 to
  `MAX_TEXT` characters (422) and passes the content check used for activity text (FORUM scene);
- recipients are the registrations holding a place (confirmed, and offered: a place held for them
  to claim; with `include_waitlist` also waitlisted) at the moment of sending, one per person;
- a person with at least one `notice` credit gets exactly one `notice` outbox row (`ref` =
  `("notice", id)`), sent by the dispatcher, which takes the credit then, once (see dispatch.py);
  everyone else (no credit, or a walk-in without an account) is `unreachable`: the organizer phones
  them through the audited phone reveal. A credit counted here may be spent by an earlier message
  before this one goes out; that message is then `skipped`, as every message without a credit is;
- a repeated request with the same `key` (the client's idempotency key) returns the first notice
  and sends nothing more.

The text is cut into `NOTICE_PART`-character parts for the template's `thing` fields (20 characters
each, WeChat's limit): 60 characters fill three fields (services/templates.py).

Locks: the activity's row (so two requests with one key, or a notice racing a cancellation, are
serialised); the content check runs before it.
"""

from dataclasses import dataclass

from sqlalchemy import select

from server.errors import ValidationFailed
from server.extensions import db
from server.models import ActivityNotice, Registration
from server.models.base import utcnow
from server.services.activity_access import ActivityNotOpen, get_managed_activity
from server.services.activity_reminders import message_payload
from server.services.activity_rosters import roster_entry
from server.services.content_safety import FORUM, check_texts
from server.services.outbox import enqueue_message
from server.services.reminders import remaining_credits
from server.services.templates import NOTICE_PART

MAX_TEXT = 3 * NOTICE_PART  # three `thing` fields of 20 characters
TEXT_REQUIRED = "请填写通知内容"
TEXT_TOO_LONG = f"通知内容不能超过 {MAX_TEXT} 个字"


@dataclass(frozen=True)
class NoticeResult:
    """A notice and whom it could not reach (`NoticeSchema`)."""

    notice: ActivityNotice
    unreachable: list  # RosterEntry of each registration no message can reach

    @property
    def id(self):
        return self.notice.id

    def __getattr__(self, name):
        return getattr(self.notice, name)


def clean_text(text):
    """The notice text, stripped; 422 when empty or longer than MAX_TEXT."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(errors={"text": [TEXT_REQUIRED]})
    if len(text) > MAX_TEXT:
        raise ValidationFailed(errors={"text": [TEXT_TOO_LONG]})
    return text


def _recipients(activity, include_waitlist):
    statuses = ("confirmed", "offered", "waitlisted") if include_waitlist else ("confirmed", "offered")
    return db.session.scalars(
        select(Registration)
        .where(Registration.activity_id == activity.id, Registration.status.in_(statuses))
        .order_by(Registration.registered_at, Registration.id)
    ).all()


def _unreachable_entries(registrations):
    return [roster_entry(registration, False, {}, None) for registration in registrations]


def _result(notice):
    """The result of a notice sent earlier: its unreachable registrations loaded again by id."""
    ids = list(notice.unreachable or [])
    rows = db.session.scalars(select(Registration).where(Registration.id.in_(ids))).all() if ids else []
    by_id = {r.id: r for r in rows}
    return NoticeResult(notice, _unreachable_entries(by_id[i] for i in ids if i in by_id))


def send_notice(actor, activity_id, text, include_waitlist=False, key=None):
    """Record a notice and queue one `notice` message per reachable person. Returns a NoticeResult
    (the existing one for a repeated `key`). Raises NotFound, Forbidden, ActivityNotOpen (409),
    ValidationFailed, DomainError `content_risky`."""
    text = clean_text(text)
    get_managed_activity(actor, activity_id)
    check_texts(actor, FORUM, {"text": text})
    activity = get_managed_activity(actor, activity_id, lock=True)
    if key:
        existing = db.session.scalar(
            select(ActivityNotice).where(ActivityNotice.activity_id == activity.id, ActivityNotice.client_key == key)
        )
        if existing is not None:
            return _result(existing)
    if activity.status != "published" or activity.ends_at <= utcnow():
        raise ActivityNotOpen()
    registrations = _recipients(activity, include_waitlist)
    credits = remaining_credits({r.user_id for r in registrations if r.user_id is not None}, "notice")
    notice = ActivityNotice(
        activity_id=activity.id, sender_id=actor.id, text=text, include_waitlist=include_waitlist,
        client_key=key or None, queued=0, unreachable=[],
    )
    db.session.add(notice)
    db.session.flush()
    payload = {**message_payload(activity), "text": text, "notice_id": notice.id}
    unreachable = []
    for registration in registrations:
        if registration.user_id is not None and credits.get(registration.user_id, 0) > 0:
            enqueue_message("notice", registration.user_id, payload, ref=("notice", notice.id))
            notice.queued += 1
        else:
            unreachable.append(registration)
    notice.unreachable = [registration.id for registration in unreachable]
    db.session.flush()
    return NoticeResult(notice, _unreachable_entries(unreachable))


def list_notices(actor, activity_id):
    """The activity's notices, newest first (counts only; `unreachable` as ids). Raises NotFound, Forbidden."""
    activity = get_managed_activity(actor, activity_id)
    return db.session.scalars(
        select(ActivityNotice)
        .where(ActivityNotice.activity_id == activity.id)
        .order_by(ActivityNotice.created_at.desc(), ActivityNotice.id.desc())
    ).all()
