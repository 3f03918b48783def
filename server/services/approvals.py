"""Approval (报名审核): an organizer approves or rejects each sign-up of an activity that needs it.

Rules: on an activity with `signup_mode` = `approval`, a sign-up is recorded `pending` and holds no
place (`register_for_activity`). An organizer of its community decides it:
- approve (while the activity is published and has not started; its sign-up window need not be
  open): the sign-up takes its `1 + companions` places by the same rule as any sign-up, under the
  activity's row lock with the capacity check constraint behind it: `confirmed` while they fit, else
  `waitlisted` (in sign-up order: its place in line is when the person signed up), else 409
  `capacity_full` (no waitlist; it stays pending). Told with `signup_result` 审核通过.
- reject, with a reason (1 to 200 characters, sent to the person: WeChat's content check first, as
  for a cancel reason): `rejected`, holding nothing; the person may not sign up again. Told with
  `signup_result` 未通过, the reason as the tip.
Either is refused with 409 `not_pending` once the sign-up is no longer pending (its owner gave it
up, another organizer decided it first). Both are audited (`registration.approve`,
`registration.reject` with the reason).

Lock order: the activity's row, then the registration's (as every change of places); the content
check runs before any lock.
"""

from sqlalchemy import select

from server.errors import DomainError, NotFound
from server.extensions import db
from server.models import Registration
from server.models.base import utcnow
from server.services import cache
from server.services.activity_access import ActivityNotOpen, get_managed_activity
from server.services.activity_reminders import message_payload, schedule_registration_reminders
from server.services.content_safety import FORUM, check_texts
from server.services.my_registrations import waitlist_position
from server.services.outbox import enqueue_message
from server.services.registrations import lock_registration, places_fit
from server.services.users import record_audit

APPROVED_TIP = "已为您保留名额，请准时参加"


def _locked_pending(actor, activity_id, registration_id):
    """Lock the activity (managed by `actor`) and the registration on it: `(activity, registration)`.
    Raises NotFound, Forbidden, DomainError `not_pending`."""
    activity = get_managed_activity(actor, activity_id, lock=True)
    registration = lock_registration(activity, registration_id)
    if registration is None:
        raise NotFound("registration_not_found", "该活动没有这条报名记录")
    if registration.status != "pending":
        raise DomainError("not_pending", "该报名已不在待审核状态（可能已被撤回或已由其他组织者处理）", 409)
    return activity, registration


def _notify(registration, activity, status, tip):
    if registration.user_id is not None:
        payload = {**message_payload(activity), "status": status, "tip": tip}
        enqueue_message("signup_result", registration.user_id, payload, ref=("registration", registration.id))


def approve_registration(actor, activity_id, registration_id):
    """Approve a pending sign-up: confirmed while its places fit, else waitlisted. Returns the
    Registration.

    Raises NotFound (`activity_not_found`, `registration_not_found`), Forbidden, ActivityNotOpen (not
    published, cancelled, or already started), DomainError `not_pending`, `capacity_full` (no place
    and no waitlist: it stays pending).
    """
    activity, registration = _locked_pending(actor, activity_id, registration_id)
    now = utcnow()
    if activity.effective_status(now) != "published" or now >= activity.starts_at:
        raise ActivityNotOpen()
    if places_fit(activity, registration.places):
        registration.status = "confirmed"
        activity.confirmed_count += registration.places
        tip = APPROVED_TIP
    elif activity.waitlist_enabled:
        registration.status = "waitlisted"
        activity.waitlist_count += 1
        tip = None
    else:
        raise DomainError("capacity_full", "名额已满，且本活动不设候补：无法通过", 409)
    registration.decided_at = now
    registration.decided_by_id = actor.id
    db.session.flush()  # the check constraint stands behind the count
    if registration.status == "confirmed":
        if registration.user_id is not None:
            schedule_registration_reminders(activity, registration.id, registration.user_id)
    else:
        position = db.session.scalar(select(waitlist_position()).where(Registration.id == registration.id))
        tip = f"名额已满，已为您候补第{position}位"
    _notify(registration, activity, "审核通过", tip)
    cache.mark_changed(db.session, "activities")
    record_audit(actor, "registration.approve", "registration", registration.id, activity_id=activity.id,
                 status=registration.status)
    db.session.flush()
    return registration


def reject_registration(actor, activity_id, registration_id, reason):
    """Reject a pending sign-up with a reason (sent to the person). Returns the Registration.

    Raises NotFound, Forbidden, DomainError `not_pending`, `content_risky` (the reason).
    """
    get_managed_activity(actor, activity_id)
    check_texts(actor, FORUM, {"reason": reason})
    activity, registration = _locked_pending(actor, activity_id, registration_id)
    now = utcnow()
    registration.status = "rejected"
    registration.reject_reason = reason
    registration.decided_at = now
    registration.decided_by_id = actor.id
    _notify(registration, activity, "未通过", reason)
    record_audit(actor, "registration.reject", "registration", registration.id, activity_id=activity.id, reason=reason)
    db.session.flush()
    return registration
