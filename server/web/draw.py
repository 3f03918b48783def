"""An activity's lottery draw in the console (抽签公示): the commitment, salt, seed and method, the
sealed entries and the drawn results, printable for a notice board. No names: the same public record
as `GET /activities/{id}/draw` (`lottery.draw_record`), which anyone can check with scripts/verify-draw.
"""

from flask import Blueprint, g, render_template

from server.services import lottery
from server.services.activity_access import get_managed_activity
from server.web.auth import console_login_required

bp = Blueprint("draw", __name__)

STATE_ZH = {"open": ("报名中，尚未封存", "warn"), "sealed": ("名单已封存，等待开奖", "warn"), "drawn": ("已开奖", "ok")}
OUTCOME_ZH = {"confirmed": ("中签", "ok"), "waitlisted": ("候补", "warn"), "not_drawn": ("未中签", ""),
              "withdrawn": ("已撤回", "bad")}


@bp.route("/activities/<id:activity_id>/draw")
@console_login_required
def index(activity_id):
    """The draw's public record, for the activity's organizers."""
    activity = get_managed_activity(g.user, activity_id)
    record = lottery.draw_record(g.user, activity_id)
    return render_template("console/draw.html", activity=activity, record=record, state_zh=STATE_ZH,
                           outcome_zh=OUTCOME_ZH)
