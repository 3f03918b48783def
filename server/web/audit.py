"""The audit log (admins): exports, phone reveals, role grants, console logins."""

from flask import Blueprint

bp = Blueprint("audit", __name__)
