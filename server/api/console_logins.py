"""The mini-program's side of the console's scan login: show, confirm or reject a browser's request,
and end the caller's console sessions ("退出电脑端登录"). Rules: `services.console_logins`."""

from flask import g
from flask_smorest import Blueprint

from server.api.security import login_required
from server.extensions import db
from server.schemas.console import ConsoleLoginSchema, ConsoleSessionListSchema
from server.services import console_logins

blp = Blueprint(
    "console_logins", __name__, url_prefix="/api/v1", description="Signing in to the web console with the phone"
)


@blp.route("/console-logins/<string:ticket>", methods=["GET"])
@login_required
@blp.response(200, ConsoleLoginSchema)
def get_console_login(ticket):
    """The browser asking to sign in (time, address, browser), from the scanned code's `scene`.

    404 `console_login_not_found` (unknown, expired after 2 minutes, or used).
    """
    return console_logins.get_login(ticket)


@blp.route("/console-logins/<string:ticket>/confirm", methods=["POST"])
@login_required
@blp.response(200, ConsoleLoginSchema)
def confirm_console_login(ticket):
    """Let that browser in as the caller. Organizers and admins only (403 `forbidden`).

    404 `console_login_not_found`; 409 `console_login_decided` (already confirmed or rejected).
    """
    login = console_logins.decide(ticket, g.user, confirm=True)
    db.session.commit()
    return login


@blp.route("/console-logins/<string:ticket>/reject", methods=["POST"])
@login_required
@blp.response(200, ConsoleLoginSchema)
def reject_console_login(ticket):
    """Refuse that browser. 404 `console_login_not_found`; 409 `console_login_decided`."""
    return console_logins.decide(ticket, g.user, confirm=False)


@blp.route("/me/console-sessions", methods=["GET"])
@login_required
@blp.response(200, ConsoleSessionListSchema)
def list_console_sessions():
    """The caller's browsers signed in to the web console."""
    return {"items": console_logins.list_sessions(g.user)}


@blp.route("/me/console-sessions", methods=["DELETE"])
@login_required
@blp.response(204)
def end_console_sessions():
    """Sign every browser of the caller out of the web console."""
    console_logins.end_all_sessions(g.user)
    db.session.commit()
