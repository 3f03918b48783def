"""Shifts: the week grid per site; batch creation; edit, move, cancel; moving a volunteer; releasing a booking."""

from flask import Blueprint

bp = Blueprint("shifts", __name__)
