"""Checking in at an activity: the organizer's rotating code, self check-in with it, check-in by hand.

Rules: only a published activity's organizers get a code; its token rotates every few minutes (see
`checkin_tokens`) and a token of another activity, or an expired one, is refused. Only a confirmed
registration checks in (a waitlisted one, an offer not yet accepted, a pending sign-up or a lottery
entry is 409 `registration_not_confirmed`, its message saying which); checking in twice
keeps the first time. Nobody checks in to a cancelled activity (409 `activity_not_open`; its
registrations are cancelled with it), and a check-in, by the code or by hand, is accepted only from
ACTIVITY_CHECKIN_EARLY_MINUTES before the start to ACTIVITY_CHECKIN_LATE_MINUTES after the end
(409 `checkin_window_closed`).

Offline: a scan made without a network is uploaded later with its device time `recorded_at`; it is
accepted if the token was valid then and the time is plausible (`checkin_tokens.check_offline_scan`),
the window is applied at `recorded_at`, which is stored as the check-in time, and the row is marked
delayed (`checked_in_uploaded_at`). Uploading it again answers the registration as it stands.

Locks: none; a check-in only writes its own registration's row, and a second one changes nothing.
"""

from datetime import timedelta

from flask import current_app

from server.errors import DomainError, NotFound
from server.extensions import db
from server.models import OPEN_REGISTRATION, Registration
from server.models.base import utcnow
from server.services import checkin_tokens
from server.services.activity_access import ActivityNotOpen, get_managed_activity, get_visible_activity
from server.services.my_registrations import own_registration
from server.services.registrations import active_registration

# Open registrations that hold no confirmed place yet, and why they cannot check in.
NOT_CONFIRMED = {
    "waitlisted": "候补中的报名不能签到",
    "offered": "名额待确认：请先在小程序中确认参加，再签到",
    "pending": "报名尚待组织者审核，不能签到",
    "entered": "抽签尚未开奖，不能签到",
}


def make_checkin_code(actor, activity_id):
    """A rotating check-in token for a published activity: `(activity, token, expires_at_epoch)`.

    Raises NotFound, Forbidden, ActivityNotOpen.
    """
    activity = get_managed_activity(actor, activity_id)
    if activity.effective_status(utcnow()) != "published":
        raise ActivityNotOpen()
    token, expires_at = checkin_tokens.make_token("a", activity.id)
    return activity, token, expires_at


def _check_window(activity, now):
    """409 `activity_not_open` unless the activity is published (finished is fine), and
    `checkin_window_closed` outside its check-in window."""
    if activity.status != "published":
        raise ActivityNotOpen()
    early = current_app.config["ACTIVITY_CHECKIN_EARLY_MINUTES"]
    late = current_app.config["ACTIVITY_CHECKIN_LATE_MINUTES"]
    if not activity.starts_at - timedelta(minutes=early) <= now <= activity.ends_at + timedelta(minutes=late):
        raise DomainError(
            "checkin_window_closed", f"只能在活动开始前 {early} 分钟至结束后 {late} 分钟内签到", 409
        )


def _check_in(registration, by, moment=None, uploaded_at=None):
    """Check a confirmed registration in at `moment` (default now; an offline scan's time, uploaded at
    `uploaded_at`); a second check-in keeps the first time. Returns it as `RegistrationSchema` reads it."""
    moment = moment or utcnow()
    if registration.status == "confirmed" and registration.checked_in_at is None:
        _check_window(registration.activity, moment)
    if registration.status in NOT_CONFIRMED:
        raise DomainError("registration_not_confirmed", NOT_CONFIRMED[registration.status], 409)
    if registration.status != "confirmed":
        raise NotFound("registration_not_found", "没有找到有效的报名")
    if registration.checked_in_at is None:
        registration.checked_in_at = moment
        registration.checked_in_uploaded_at = uploaded_at
        registration.checked_in_by_id = by.id
    db.session.flush()
    if registration.user_id is None:  # a walk-in: the row itself (confirmed, so no waitlist position)
        return registration
    return own_registration(registration.activity_id, registration.user_id)


def check_in_with_token(user, activity_id, token, recorded_at=None):
    """Self check-in with the token of the organizer's code, or of a scan made offline at
    `recorded_at` (device time); checking in twice keeps the first time.

    Raises NotFound, ActivityNotOpen (cancelled), DomainError `checkin_token_invalid` (bad, other
    activity's or expired token), `registration_not_confirmed`, `checkin_window_closed`, and for an
    offline scan the errors of `checkin_tokens.check_offline_scan`.
    """
    activity = get_visible_activity(user, activity_id)
    if activity.status == "cancelled":
        raise ActivityNotOpen()
    registration = active_registration(activity.id, user.id, statuses=OPEN_REGISTRATION)
    if registration is not None and registration.status == "confirmed" and registration.checked_in_at is not None:
        return _check_in(registration, user)  # a retried upload, or a second scan: as it stands
    moment = uploaded_at = None
    if recorded_at is not None:
        uploaded_at = utcnow()
        moment = checkin_tokens.check_offline_scan("a", activity.id, token, recorded_at, uploaded_at)
    elif not checkin_tokens.token_is_valid("a", activity.id, token):
        raise DomainError("checkin_token_invalid", "签到码无效或已过期，请重新扫码", 409)
    if registration is None:
        raise NotFound("registration_not_found", "你没有报名此活动")
    return _check_in(registration, user, moment, uploaded_at)


def check_in_by_organizer(actor, activity_id, registration_id):
    """The organizer checks a registrant in by hand.

    Raises NotFound, Forbidden, ActivityNotOpen (cancelled or a draft), `registration_not_confirmed`,
    `checkin_window_closed`.
    """
    activity = get_managed_activity(actor, activity_id)
    if activity.status != "published":
        raise ActivityNotOpen()
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.activity_id != activity.id:
        raise NotFound("registration_not_found", "报名记录不存在")
    return _check_in(registration, actor)
