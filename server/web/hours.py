"""Volunteer hours by date range and person, with the official system's columns; export."""

from flask import Blueprint

bp = Blueprint("hours", __name__)
