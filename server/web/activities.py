"""Activities: the list with filters; create, edit (the move rules), publish, cancel, duplicate."""

from flask import Blueprint

bp = Blueprint("activities", __name__)
