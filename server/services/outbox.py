"""Recording outgoing messages. Rows only: the scheduler sends them after the commit."""

from sqlalchemy import insert

from server.extensions import db
from server.models import OutboxMessage
from server.models.base import utcnow

_INSERT_MESSAGES = insert(OutboxMessage.__table__)


def enqueue_message(kind, user_id, payload, due_at=None, ref=None):
    """Record a message of `kind` for user `user_id`, due now unless `due_at` is given.

    `ref` is `(ref_type, ref_id)` of what caused it. Flushes; the caller's transaction commits it,
    so a rolled-back change never notifies anyone.
    """
    ref_type, ref_id = ref if ref else (None, None)
    message = OutboxMessage(
        kind=kind,
        user_id=user_id,
        payload=payload,
        due_at=due_at or utcnow(),
        ref_type=ref_type,
        ref_id=ref_id,
    )
    db.session.add(message)
    return message


def enqueue_messages(kind, user_id, payload, due_times, ref):
    """`enqueue_message` for each of `due_times`, in one Core INSERT: no ORM objects for the commit to
    flush (a confirmed sign-up's and a booking's reminders, on their hot paths)."""
    ref_type, ref_id = ref
    db.session.execute(_INSERT_MESSAGES, [
        {"kind": kind, "user_id": user_id, "payload": payload, "due_at": due, "ref_type": ref_type, "ref_id": ref_id}
        for due in due_times
    ])
