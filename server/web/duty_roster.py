"""The day's duty roster (排班表) across sites: printable, vacancies highlighted."""

from flask import Blueprint

bp = Blueprint("duty_roster", __name__)
