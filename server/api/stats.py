"""Statistics (数据统计): the figures a sub-district reports, for organizers and admins."""

from flask import g
from flask_smorest import Blueprint

from server.api.security import login_required
from server.schemas.stats import StatsArgsSchema, StatsSchema
from server.services import stats

blp = Blueprint("stats", __name__, url_prefix="/api/v1/stats", description="Statistics")


@blp.route("", methods=["GET"])
@login_required
@blp.arguments(StatsArgsSchema(), location="query")
@blp.response(200, StatsSchema)
def get_stats(args):
    """The figures of a period (local dates, both included) for the caller's communities, with optional
    groups and the top volunteers. Every figure's definition is in the response schema and docs/api.md.

    Organizers: their communities (all of them, or one with `community_id`); admins: the whole
    sub-district or any community. Added after v1 of the contract.
    403 `forbidden` (residents and party members; a community the organizer does not manage),
    404 `community_not_found` (admins: no such community), 422 `validation_failed` (a bad date, `to`
    before `from` or more than 366 days after it, an unknown `group_by`).
    """
    return stats.compute_stats(
        g.user, args["date_from"], args["date_to"], args.get("community_id"), args.get("group_by")
    )
