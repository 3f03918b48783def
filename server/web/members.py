"""Residents and party members: search; confirm or reject membership claims; party membership; a person's history."""

from flask import Blueprint

bp = Blueprint("members", __name__)
