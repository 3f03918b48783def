"""Finding an activity for someone: who may see it, who may manage it, and its row lock.

Rules: a draft is seen only by the organizers of its community (and admins); everyone else is told
it does not exist (404 `activity_not_found`), never that it is hidden. Managing an activity
(editing, publishing, cancelling, check-in codes, rosters) needs an organizer of its community or
an admin (403 `forbidden`).

Lock order: the activity's row (`lock_activity`) is the first lock any use case that changes its
places takes; registrations are locked after it, never before.
"""

from server.errors import DomainError, Forbidden, NotFound
from server.extensions import db
from server.models import Activity
from server.services.locking import lock_row


class ActivityNotOpen(DomainError):
    status, error, message = 409, "activity_not_open", "活动未发布、已取消或已结束"


def activity_not_found():
    return NotFound("activity_not_found", "活动不存在")


def lock_activity(activity_id):
    """Lock the activity's row for the rest of the transaction (see `lock_row`)."""
    return lock_row(Activity, activity_id)


def can_see(viewer, activity):
    """Whether `viewer` (None: anonymous) may see the activity (an Activity or a row with its columns)."""
    return activity.status != "draft" or (viewer is not None and viewer.organizes(activity.community_id))


def get_visible_activity(viewer, activity_id):
    """The activity if `viewer` (None: anonymous) may see it; drafts only for their organizers. Raises NotFound."""
    activity = db.session.get(Activity, activity_id)
    if activity is None or not can_see(viewer, activity):
        raise activity_not_found()
    return activity


def get_managed_activity(actor, activity_id, lock=False):
    """The activity if `actor` organizes its community (or is an admin).

    Raises NotFound (missing, or a draft the actor may not see), Forbidden.
    """
    activity = lock_activity(activity_id) if lock else db.session.get(Activity, activity_id)
    if activity is None or not can_see(actor, activity):
        raise activity_not_found()
    if not actor.organizes(activity.community_id):
        raise Forbidden("forbidden", "只有该活动所在社区的组织者可以管理此活动")
    return activity
