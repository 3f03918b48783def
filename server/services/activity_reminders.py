"""What registrants are told about an activity, and when their reminders are due.

Rules: every confirmed registration has the activity's reminders scheduled (a waitlisted one gets
them when it is promoted); when the activity moves, or its title or venue changes, the pending
reminders are voided and scheduled again from the new values. Messages and reminders are outbox
rows written in the caller's transaction, so nothing is sent for a change that is rolled back.

Locks: none of its own; callers hold the activity's row lock (see `activity_access`).
"""

from sqlalchemy import select

from server.extensions import db
from server.models import Registration
from server.services.reminders import schedule_reminders, void_reminders

# Reminders carry these, so changing one reschedules them.
REMINDER_FIELDS = ("starts_at", "title", "venue")


def message_payload(activity):
    """What a subscribe message about this activity needs (the template mapping picks fields)."""
    return {
        "activity_id": activity.id,
        "title": activity.title,
        "starts_at": activity.starts_at.isoformat(),
        "venue": activity.venue,
    }


def schedule_registration_reminders(activity, registration_id, user_id):
    """Record the reminders of one confirmed registration (`activity`: an Activity or a row with
    `id`, `starts_at`, `title` and `venue`)."""
    schedule_reminders(
        "activity_reminder", ("registration", registration_id), user_id, activity.starts_at, message_payload(activity)
    )


def reschedule_reminders(activity):
    """The activity moved (or its title or venue changed): pending reminders follow it."""
    confirmed = db.session.scalars(
        select(Registration).where(Registration.activity_id == activity.id, Registration.status == "confirmed")
    ).all()
    void_reminders("registration", [r.id for r in confirmed])
    for registration in confirmed:
        if registration.user_id is not None:  # walk-ins have no account to remind
            schedule_registration_reminders(activity, registration.id, registration.user_id)
