"""One blueprint per domain, registered on the flask-smorest Api."""

from werkzeug.routing import IntegerConverter

from server.api import activities, auth, checkin, communities, health, me, shifts, subscriptions, users

BLUEPRINTS = [health.blp, auth.blp, me.blp, communities.blp, users.blp, activities.blp, shifts.blp, subscriptions.blp, checkin.blp]


class IdConverter(IntegerConverter):
    """`<id:name>`: a positive 32-bit row id; anything larger is an unknown route (404), not a DB error."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=2**31 - 1)


def register_blueprints(app, api):
    app.url_map.converters["id"] = IdConverter
    api.register_converter(IdConverter, lambda _: {"type": "integer", "minimum": 1, "maximum": 2**31 - 1})
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
