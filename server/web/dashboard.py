"""The console's home page: today and this week in the organizer's communities."""

from flask import Blueprint, render_template

from server.web.auth import console_login_required

bp = Blueprint("dashboard", __name__)


@bp.route("/")
@console_login_required
def index():
    return render_template("console/dashboard.html")
