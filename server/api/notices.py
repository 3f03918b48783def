"""Notices to an activity's participants (organizers): routes on the activities blueprint."""

from flask import g

from server.api.activities import blp
from server.api.security import login_required
from server.extensions import db
from server.schemas.notices import NoticeCreateSchema, NoticeListSchema, NoticeSchema
from server.services import notices


@blp.route("/activities/<id:activity_id>/notices", methods=["POST"])
@login_required
@blp.arguments(NoticeCreateSchema())
@blp.response(201, NoticeSchema)
def send_notice(body, activity_id):
    """Send a short notice (1 to 60 characters) to everyone confirmed, and with `include_waitlist` also
    waitlisted, for the activity (added after v1).

    Each person with a `notice` subscription credit gets one subscribe message (`queued`); the others
    (no credit, walk-ins) are listed in `unreachable` with masked phones and registration ids, to be
    phoned through `POST /activities/{id}/roster/{registration_id}/phone` (audited). With `key`, a
    repeated request returns the first notice and sends nothing more.

    403 `forbidden` (not an organizer of its community), 404 `activity_not_found`, 409
    `activity_not_open` (not published, cancelled or ended), 422 `validation_failed` (`text` empty or
    too long), `content_risky`.
    """
    result = notices.send_notice(g.user, activity_id, body["text"], body["include_waitlist"], body["key"])
    db.session.commit()
    return result


@blp.route("/activities/<id:activity_id>/notices", methods=["GET"])
@login_required
@blp.response(200, NoticeListSchema)
def list_notices(activity_id):
    """The activity's notices, newest first, with their counts (added after v1).

    403 `forbidden`, 404 `activity_not_found`.
    """
    return {"items": notices.list_notices(g.user, activity_id)}
