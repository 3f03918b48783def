"""An activity's roster: search and filter; check-in by hand; walk-in registrations (代报名); cancel on someone's behalf; exports."""

from flask import Blueprint

bp = Blueprint("roster", __name__)
