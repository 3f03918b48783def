"""An activity's life: create a draft, edit (or move) it, publish, cancel; find and list activities.

Rules: a draft is created in a community its author organizes and is seen only by that community's
organizers; times must be consistent (ends after it starts, sign-up closes no later than the start
and opens before it closes). An activity is not created, published or moved to start in the past
(422 on `starts_at`). A draft or published activity can be edited, but its capacity never below
the places already confirmed; raising it promotes the waitlist. Narrowing its audience (party
members, or residents of its community) is refused while someone registered or waitlisted no longer
fits (409 `schedule_change_refused`, naming them). Moving it (or changing its title or venue) moves
its reminders; moving it or changing its venue also tells every confirmed registrant
(`schedule_changed`). Cancelling sets every open registration (places, waitlist spots, offers,
pending sign-ups, lottery entries) `cancelled` and notifies each of them. A published activity
whose end has passed shows as `finished`; cancelled and finished ones can no longer be edited or
cancelled. Sign-up questions are checked and given their ids by
`services.questions` and cannot change once anyone has signed up (409 `questions_locked`).

Lock order: the activity's row (`lock_activity`) before its registrations; changes, promotions and
notices are written in the caller's one transaction (outbox rows, sent after the commit).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import select

from server.errors import DomainError, Forbidden, ValidationFailed
from server.extensions import db
from server.localtime import local_date_bounds, to_local
from server.models import ACTIVE_REGISTRATION, OPEN_REGISTRATION, Activity, Community, Registration
from server.models.base import utcnow
from server.services.activity_access import ActivityNotOpen, get_managed_activity, get_visible_activity
from server.services.activity_reminders import REMINDER_FIELDS, message_payload, reschedule_reminders
from server.services.content_safety import FORUM, changed_texts, check_texts
from server.services.lottery import commit_to_salt
from server.services.my_registrations import my_registrations_for
from server.services.offers import shorten_offers
from server.services.outbox import enqueue_message
from server.services.paging import paginate, text_matches
from server.services.questions import normalize_questions, questions_changed, refuse_questions_change
from server.services.registrations import _check_eligible, promote_waitlist, release_registration
from server.services.reminders import void_notices, void_reminders
from server.services.schedule_changes import notify_schedule_changed, refuse_breaking, refuse_past_start
from server.services.users import record_audit, refuse_archived

EDITABLE_FIELDS = (
    "title",
    "description",
    "category",
    "venue",
    "starts_at",
    "ends_at",
    "signup_opens_at",
    "signup_closes_at",
    "capacity",
    "waitlist_enabled",
    "audience",
    "cancel_cutoff_minutes",
    "certificate_enabled",
    "questions",
)
# What residents read, checked by WeChat's content check before it is saved (`content_safety`).
TEXT_FIELDS = ("title", "description", "venue")
TIME_FIELDS = ("starts_at", "ends_at", "signup_opens_at", "signup_closes_at")
# How places are given out; both fixed once published (409 `signup_mode_locked`).
LOTTERY_FIELDS = ("signup_mode", "draw_at")


def _check_times(values):
    """Field errors for inconsistent times; `values` has every time field of the activity."""
    errors = {}
    if values["ends_at"] <= values["starts_at"]:
        errors["ends_at"] = ["结束时间必须晚于开始时间"]
    opens, closes = values.get("signup_opens_at"), values.get("signup_closes_at")
    if closes is not None and closes > values["starts_at"]:
        errors["signup_closes_at"] = ["报名截止时间不能晚于活动开始时间"]
    if opens is not None and opens >= (closes or values["starts_at"]):
        errors["signup_opens_at"] = ["报名开始时间必须早于报名截止时间"]
    if errors:
        raise ValidationFailed(errors=errors)


def _check_lottery(values):
    """Field errors of a lottery's times: it needs `signup_closes_at` and `draw_at` with
    signup_closes_at <= draw_at < starts_at; `draw_at` is for lotteries only."""
    mode, draw_at = values.get("signup_mode", "first_come"), values.get("draw_at")
    closes = values.get("signup_closes_at")
    errors = {}
    if mode != "lottery":
        if draw_at is not None:
            errors["draw_at"] = ["只有抽签活动可以设置抽签时间"]
    elif closes is None:
        errors["signup_closes_at"] = ["抽签活动须设置报名截止时间"]
    if mode == "lottery" and draw_at is None:
        errors["draw_at"] = ["抽签活动须设置抽签时间"]
    elif mode == "lottery" and closes is not None and draw_at < closes:
        errors["draw_at"] = ["抽签时间不能早于报名截止时间"]
    elif mode == "lottery" and draw_at >= values["starts_at"]:
        errors["draw_at"] = ["抽签时间必须早于活动开始时间"]
    if errors:
        raise ValidationFailed(errors=errors)


def _refuse_mode_change(activity, changes):
    """409 `signup_mode_locked`: a published activity keeps its sign-up mode and draw time."""
    if activity.status != "draft" and any(
        field in changes and changes[field] != getattr(activity, field) for field in LOTTERY_FIELDS
    ):
        raise DomainError("signup_mode_locked")


def create_activity(actor, data):
    """Create a draft in a community the actor organizes.

    Raises Forbidden, ValidationFailed (unknown community, inconsistent times, questions:
    `services.questions.normalize_questions`), DomainError
    `community_archived`, `content_risky` (title, description or venue refused by WeChat's content check).
    """
    community = db.session.get(Community, data["community_id"])
    if community is None:
        raise ValidationFailed(errors={"community_id": ["社区不存在"]})
    if not actor.organizes(data["community_id"]):
        raise Forbidden("forbidden", "只有该社区的组织者可以发布活动")
    refuse_archived(community)
    _check_times(data)
    data = {**data, "questions": normalize_questions(data.get("questions"))}
    _check_lottery(data)
    refuse_past_start(data["starts_at"], "活动开始时间已过，请选择将来的时间")
    check_texts(actor, FORUM, {field: data.get(field) for field in TEXT_FIELDS})
    activity = Activity(**data, status="draft", created_by_id=actor.id)
    db.session.add(activity)
    db.session.flush()
    return activity


# A change of these tells confirmed registrants (`schedule_changed`).
SCHEDULE_FIELDS = ("starts_at", "ends_at", "venue")


def _active_registrations(activity, statuses=ACTIVE_REGISTRATION):
    return db.session.scalars(
        select(Registration)
        .where(Registration.activity_id == activity.id, Registration.status.in_(statuses))
        .order_by(Registration.registered_at, Registration.id)
    ).all()


def _refuse_audience_change(activity, audience):
    """409 `schedule_change_refused` when registrants (any open registration: a place, the waitlist, an
    offer, a pending sign-up, a lottery entry) would not fit `audience`.

    Fitting is decided by the sign-up's own rule (`registrations._check_eligible`)."""
    if audience == "all":
        return
    probe = SimpleNamespace(audience=audience, community_id=activity.community_id, community=activity.community)
    broken = []
    for registration in _active_registrations(activity, OPEN_REGISTRATION):
        if registration.user_id is None:  # a walk-in: the organizer who registered them vouched for them
            continue
        try:
            _check_eligible(registration.user, probe)
        except DomainError:
            reason = "非党员" if audience == "party_members" else f"非{activity.community.name}居民"
            broken.append((registration.user, reason))
    refuse_breaking(broken)


def duplicate_activity(actor, activity_id, day):
    """A new draft like the activity, on local date `day`: every time (start, end, sign-up window) moves
    by the same number of days, keeping its time of day. Created by `create_activity`, so its rules
    apply (times in the past, archived community, content check). Raises what it raises, and NotFound
    or Forbidden for an activity the actor may not manage."""
    activity = get_managed_activity(actor, activity_id)
    moved_by = timedelta(days=(day - to_local(activity.starts_at).date()).days)
    data = {field: getattr(activity, field) for field in EDITABLE_FIELDS}
    data["community_id"] = activity.community_id
    for field in TIME_FIELDS:
        if data[field] is not None:
            data[field] = data[field] + moved_by
    data["signup_mode"] = activity.signup_mode
    data["draw_at"] = activity.draw_at + moved_by if activity.draw_at is not None else None
    return create_activity(actor, data)


def update_activity(actor, activity_id, changes):
    """Edit a draft or published activity. Raising `capacity` promotes the waitlist; moving it or
    changing its venue notifies confirmed registrants (`schedule_changed`).

    Raises NotFound, Forbidden, ActivityNotOpen (cancelled or finished), ValidationFailed (inconsistent
    times or lottery times, a new start in the past, questions: `services.questions`), DomainError
    `signup_mode_locked` (a published activity's `signup_mode` or `draw_at`), `questions_locked` (questions
    changed once anyone has signed up), `capacity_below_confirmed` (capacity under the places
    already confirmed), `schedule_change_refused` (a narrower audience some registrants do not fit), `content_risky`
    (changed text refused by WeChat's content check, asked before the row is locked).
    """
    if "questions" in changes:
        changes = {**changes, "questions": normalize_questions(changes["questions"])}
    current = get_managed_activity(actor, activity_id)
    check_texts(actor, FORUM, changed_texts(current, changes, TEXT_FIELDS))
    activity = get_managed_activity(actor, activity_id, lock=True)
    now = utcnow()
    if activity.effective_status(now) in ("cancelled", "finished"):
        raise ActivityNotOpen()
    if "questions" in changes and questions_changed(activity.questions, changes["questions"]):
        refuse_questions_change(activity)
    merged = {field: changes.get(field, getattr(activity, field)) for field in EDITABLE_FIELDS}
    _check_times(merged)
    _refuse_mode_change(activity, changes)
    _check_lottery({**merged, **{field: changes.get(field, getattr(activity, field)) for field in LOTTERY_FIELDS}})
    if "starts_at" in changes and changes["starts_at"] != activity.starts_at:
        refuse_past_start(changes["starts_at"], "不能把活动改到已经过去的时间")
    if "audience" in changes and changes["audience"] != activity.audience:
        _refuse_audience_change(activity, changes["audience"])
    if merged["capacity"] < activity.confirmed_count:
        raise DomainError(
            "capacity_below_confirmed", f"已有 {activity.confirmed_count} 个名额被确认，容量不能低于此数", 409
        )
    changed = {field for field in changes if changes[field] != getattr(activity, field)}
    for field, value in changes.items():
        setattr(activity, field, value)
    if "starts_at" in changed:
        shorten_offers(activity, now)
    if changed & set(REMINDER_FIELDS):
        reschedule_reminders(activity)
    if changed & set(SCHEDULE_FIELDS) and activity.status == "published":
        notify_schedule_changed(
            [
                (r.user_id, ("registration", r.id))
                for r in _active_registrations(activity, ("confirmed", "offered"))  # an offer: a held place
                if r.user_id is not None  # walk-ins have no account to tell
            ],
            {**message_payload(activity), "ends_at": activity.ends_at.isoformat()},
        )
    promote_waitlist(activity, now)
    db.session.flush()
    return activity


def publish_activity(actor, activity_id):
    """Publish a draft that starts in the future; a lottery commits to its secret salt
    (`lottery.commit_to_salt`).

    Raises NotFound, Forbidden, DomainError `activity_not_draft`, ValidationFailed (`starts_at` passed).
    """
    activity = get_managed_activity(actor, activity_id, lock=True)
    if activity.status != "draft":
        raise DomainError("activity_not_draft", "只有草稿可以发布", 409)
    refuse_past_start(activity.starts_at, "活动开始时间已过，请先修改时间再发布")
    activity.status = "published"
    activity.published_at = utcnow()
    if activity.signup_mode == "lottery":
        commit_to_salt(activity)
    db.session.flush()
    return activity


def cancel_activity(actor, activity_id, reason):
    """Cancel the activity: every open registration (`OPEN_REGISTRATION`: a place, a waitlist spot, an
    offer, a pending sign-up, a lottery entry) becomes `cancelled` (nobody can check in any more, and
    none shows as upcoming), and each of them gets a notice.

    Raises NotFound, Forbidden, ActivityNotOpen (already cancelled or finished), DomainError
    `content_risky` (the reason, sent to residents, refused by WeChat's content check).
    """
    get_managed_activity(actor, activity_id)
    check_texts(actor, FORUM, {"reason": reason})
    activity = get_managed_activity(actor, activity_id, lock=True)
    now = utcnow()
    if activity.effective_status(now) in ("cancelled", "finished"):
        raise ActivityNotOpen()
    activity.status = "cancelled"
    activity.cancelled_at = now
    activity.cancel_reason = reason
    registrations = _active_registrations(activity, OPEN_REGISTRATION)
    void_reminders("registration", [r.id for r in registrations])
    void_notices(activity.id)
    for registration in registrations:
        release_registration(activity, registration, now)
        if registration.user_id is None:  # a walk-in has no account to tell
            continue
        enqueue_message(
            "cancelled_by_organizer",
            registration.user_id,
            {**message_payload(activity), "reason": reason},
            ref=("registration", registration.id),
        )
    record_audit(actor, "activity.cancel", "activity", activity.id, reason=reason)
    db.session.flush()
    return activity


def list_activities(viewer, args):
    """Published activities (or, for their organizers, drafts and cancelled ones), soonest first.

    Without `from`, activities that have already ended are left out. `from`/`to` are local dates (their
    whole day in APP_TIMEZONE) or aware UTC datetimes (that instant, inclusive). Returns `(items, total)`; the
    viewer only decides whether drafts may be listed (`my_registration` is the caller's business).
    Raises Forbidden (a status other than published without organizing `community_id`).
    """
    now = utcnow()
    status = args.get("status", "published")
    statement = select(Activity)
    if status == "finished":
        statement = statement.where(Activity.status.in_(("published", "finished")), Activity.ends_at <= now)
    else:
        if status != "published" and not (
            viewer is not None and args.get("community_id") and viewer.organizes(args["community_id"])
        ):
            raise Forbidden("forbidden", "只有该社区的组织者可以查看草稿和已取消的活动（需指定 community_id）")
        statement = statement.where(Activity.status == status)
        if status == "published" and "date_from" not in args:
            statement = statement.where(Activity.ends_at > now)
    return paginate(_filtered(statement, args), args, Activity.starts_at, Activity.id)


def _filtered(statement, args):
    """The list filters the API and the console share: community, category, the start's bounds (a date
    by its whole local day, a date-time (aware, UTC) by that instant) and words in the title or venue."""
    if "community_id" in args:
        statement = statement.where(Activity.community_id == args["community_id"])
    if "category" in args:
        statement = statement.where(Activity.category == args["category"])
    if "date_from" in args:
        bound = args["date_from"]
        statement = statement.where(
            Activity.starts_at >= (bound if isinstance(bound, datetime) else local_date_bounds(bound)[0])
        )
    if "date_to" in args:
        bound = args["date_to"]
        statement = statement.where(
            Activity.starts_at <= (bound if isinstance(bound, datetime) else local_date_bounds(bound)[1])
        )
    if args.get("q"):
        statement = statement.where(text_matches(args["q"], Activity.title, Activity.venue))
    return statement


def managed_activities(actor, filters, now):
    """A statement of the activities `actor` manages (an admin: every one), drafts and cancelled ones
    included, latest first, with the list filters of `_filtered` and a `status`: `published` (open, not
    ended), `finished` (published and ended), or a stored status. The console's list."""
    statement = select(Activity)
    if not actor.is_admin:
        statement = statement.where(Activity.community_id.in_(actor.organizer_community_ids or {-1}))
    status = filters.get("status")
    if status == "published":
        statement = statement.where(Activity.status == "published", Activity.ends_at > now)
    elif status == "finished":
        statement = statement.where(Activity.status.in_(("published", "finished")), Activity.ends_at <= now)
    elif status:
        statement = statement.where(Activity.status == status)
    return _filtered(statement, filters).order_by(Activity.starts_at.desc(), Activity.id.desc())


@dataclass(frozen=True)
class ActivityForViewer:
    """An activity as one caller sees it (`ActivitySchema`): the activity's own attributes, and
    `my_registration`, the caller's active registration (a dict as `RegistrationSchema` reads it) or None."""

    activity: Activity
    my_registration: dict | None

    def __getattr__(self, name):  # everything but `my_registration` is the activity's
        if name == "activity":  # not set yet (copy, unpickle): no endless recursion
            raise AttributeError(name)
        return getattr(self.activity, name)


def as_seen_by(viewer, activity):
    """The activity with `viewer`'s own active registration (None: anonymous, or none)."""
    mine = my_registrations_for(viewer.id if viewer else None, [activity.id])
    return ActivityForViewer(activity, mine.get(activity.id))


def get_activity_for(viewer, activity_id):
    """The activity as `viewer` (None: anonymous) sees it; drafts only for their organizers. Raises NotFound."""
    return as_seen_by(viewer, get_visible_activity(viewer, activity_id))
