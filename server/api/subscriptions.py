"""Subscribe-message templates and the credits users give by accepting them."""

from flask import g
from flask_smorest import Blueprint

from server.api.security import login_required
from server.extensions import db
from server.schemas.subscriptions import AcceptedSchema, CreditListSchema, TemplateListSchema
from server.services import reminders
from server.services.templates import template_ids

blp = Blueprint("subscriptions", __name__, url_prefix="/api/v1", description="Reminders (订阅消息)")


@blp.route("/subscriptions/templates", methods=["GET"])
@blp.response(200, TemplateListSchema)
def templates():
    """The template ids to ask for with `wx.requestSubscribeMessage` from the tap that signs up or books.

    `schedule_changed` is asked for with the reminders: it is sent when something the user holds moves
    (or an activity's venue changes).
    """
    return {"items": [{"key": key, "template_id": tid} for key, tid in template_ids().items()]}


@blp.route("/me/subscriptions", methods=["POST"])
@login_required
@blp.arguments(AcceptedSchema())
@blp.response(200, CreditListSchema)
def report_accepted(body):
    """Report the templates the user accepted: each is one more message we may send them.

    422 `validation_failed` for a template id that is not one of ours.
    """
    items = reminders.record_accepts(g.user, body["accepted"])
    db.session.commit()
    return {"items": items}


@blp.route("/me/subscriptions", methods=["GET"])
@login_required
@blp.response(200, CreditListSchema)
def my_subscriptions():
    """How many messages of each template may still be sent to me."""
    return {"items": reminders.credits_of(g.user)}
