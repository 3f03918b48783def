"""Duty sites: create, edit, archive; the check-in code poster."""

from flask import Blueprint

bp = Blueprint("sites", __name__)
