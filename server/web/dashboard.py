"""The console's home page: today and this week in the organizer's communities (admins: all of them).

Cards with the numbers on top, then short tables linking to the pages that act on them: activities
(their roster), shifts with open places (red), volunteers not checked in for shifts that have
started, and members awaiting confirmation. The numbers come from `services.dashboard`.
"""

from flask import Blueprint, g, render_template

from server.services import dashboard
from server.web.auth import console_login_required

bp = Blueprint("dashboard", __name__)


@bp.route("/")
@console_login_required
def index():
    return render_template("console/dashboard.html", overview=dashboard.overview(g.user), short_list=dashboard.SHORT_LIST)
