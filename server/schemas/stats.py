"""Schemas of the statistics (`GET /api/v1/stats`): dumps of `services.stats.Stats`. Every figure's
description is its exact definition (`services.stats.FIGURE_DOCS`), the same text as docs/api.md."""

from server.schemas import fields
from server.schemas.common import Schema
from server.services.stats import FIGURE_DOCS, GROUP_BYS, MAX_RANGE_DAYS, TOP_VOLUNTEERS

GROUP_BY_DOC = (
    "`month` (every month the period touches, by the local date of each activity's or shift's start), "
    "`community` (every community in scope), `category` (activity categories: shift figures and "
    "new_volunteers null), `site_kind` (site kinds: activity figures null)"
)
NULL_DOC = " Null in a group it does not apply to."


class StatsArgsSchema(Schema):
    """Which statistics: local dates (APP_TIMEZONE), both included, a scope and a grouping."""

    date_from = fields.Date(required=True, data_key="from", metadata={"description": "First local day, included"})
    date_to = fields.Date(
        required=True,
        data_key="to",
        metadata={"description": f"Last local day, included; not before `from`, at most {MAX_RANGE_DAYS} days "
                  "after it"},
    )
    community_id = fields.Id(
        metadata={"description": "One community (organizers: one of theirs). Default: organizers all of "
                  "theirs, admins the whole sub-district"}
    )
    group_by = fields.String(validate=fields.OneOf(GROUP_BYS), metadata={"description": GROUP_BY_DOC})


def _integer(name):
    return fields.Integer(allow_none=True, metadata={"description": FIGURE_DOCS[name] + NULL_DOC})


def _rate(name):
    return fields.Float(allow_none=True, metadata={"description": FIGURE_DOCS[name]})


class FiguresSchema(Schema):
    """The figures of the period (or of one group). Activities and shifts count in the period and the
    group of their start's local date (a shift from 23:00 on 31 January to 03:00 on 1 February counts
    in January). Deleted accounts keep their counts."""

    activities_held = _integer("activities_held")
    signups = _integer("signups")
    confirmed_places = _integer("confirmed_places")
    people_served = _integer("people_served")
    residents_reached = _integer("residents_reached")
    waitlist_unserved = _integer("waitlist_unserved")
    shifts_run = _integer("shifts_run")
    posts_capacity = _integer("posts_capacity")
    posts_filled = _integer("posts_filled")
    fill_rate = _rate("fill_rate")
    vacancies = _integer("vacancies")
    volunteer_minutes = _integer("volunteer_minutes")
    no_shows = _integer("no_shows")
    no_show_rate = _rate("no_show_rate")
    new_volunteers = _integer("new_volunteers")


class StatsGroupSchema(FiguresSchema):
    """The figures of one group."""

    key = fields.String(
        metadata={"description": "`2026-01` (month), the community's id as text, the category or the site kind"}
    )
    label = fields.String(metadata={"description": "Chinese name: `2026年1月`, the community's name, 党课学习, 卡口 ..."})


class TopVolunteerSchema(Schema):
    """One of the volunteers with most minutes credited in the period and scope."""

    rank = fields.Integer(metadata={"description": "1 = most minutes; ties ordered by account"})
    name = fields.String(
        allow_none=True,
        metadata={"description": "Real name, else nickname: only for the organizers of `community`; null for "
                  "everyone else (admins included) and for a deleted account"},
    )
    community = fields.String(
        metadata={"description": "The community where the volunteer served most of these minutes (ties: the "
                  "lower community id)"}
    )
    minutes = fields.Integer(metadata={"description": "Minutes credited on shifts starting in the period, in scope"})


class StatsSchema(Schema):
    """The statistics of a period (dumps `services.stats.Stats`)."""

    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")
    community_id = fields.Integer(allow_none=True)
    group_by = fields.String(allow_none=True)
    totals = fields.Nested(
        FiguresSchema,
        metadata={"description": "The whole period and scope (not the sum of the groups: a resident reached "
                  "in two months is one resident)"},
    )
    groups = fields.List(
        fields.Nested(StatsGroupSchema), metadata={"description": "In display order; empty without `group_by`"}
    )
    top_volunteers = fields.List(
        fields.Nested(TopVolunteerSchema), metadata={"description": f"At most {TOP_VOLUNTEERS}"}
    )
