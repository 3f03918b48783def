"""A lottery's public draw (抽签公示): a route on the activities blueprint."""

from flask import g

from server.api.activities import blp
from server.api.security import optional_user
from server.schemas.lottery import DrawSchema
from server.services import lottery


@blp.route("/activities/<id:activity_id>/draw", methods=["GET"])
@optional_user
@blp.response(200, DrawSchema)
def get_draw(activity_id):
    """The activity's lottery: commitment, seed, method, entries and results, to check the draw (added
    after v1). No login needed for a published activity; no names or user ids; `my_entry` marks the
    caller's own entry.

    404 `activity_not_found` (or a draft the caller may not see), `draw_not_found` (not a lottery).
    """
    return lottery.draw_record(g.user, activity_id)
