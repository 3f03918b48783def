"""Vacancy alerts (空岗提醒): a volunteer's opt-in, and whom a shift's alerts reached."""

from flask import g
from flask_smorest import Blueprint

from server.api.security import login_required
from server.extensions import db
from server.schemas.vacancy import ShiftVacancyAlertsSchema, VacancyAlertSettingsSchema, VacancyAlertUpdateSchema
from server.services import vacancy_alerts

blp = Blueprint("vacancy_alerts", __name__, url_prefix="/api/v1", description="Vacancy alerts (空岗提醒)")


@blp.route("/me/vacancy-alerts", methods=["GET"])
@login_required
@blp.response(200, VacancyAlertSettingsSchema)
def my_vacancy_alerts():
    """My vacancy-alert opt-in: on or off, the sites and communities chosen, the home point, and the
    `shift_vacancy` sends left (`credits`: accept the template to add one; 0 means no alerts)."""
    return vacancy_alerts.get_opt_in(g.user)


@blp.route("/me/vacancy-alerts", methods=["PUT"])
@login_required
@blp.arguments(VacancyAlertUpdateSchema())
@blp.response(200, VacancyAlertSettingsSchema)
def update_my_vacancy_alerts(body):
    """Replace my vacancy-alert opt-in. Switching on needs at least one site or community; the home
    point (GCJ-02, from `wx.chooseLocation`) is optional and stored rounded to 3 decimals (~100 m).

    422 `validation_failed`: a site or community unknown or archived, over 50 sites or 20 communities,
    on with nothing chosen, half a point, a coordinate out of range.
    """
    settings = vacancy_alerts.update_opt_in(g.user, body)
    db.session.commit()
    return settings


@blp.route("/shifts/<id:shift_id>/vacancy-alerts", methods=["GET"])
@login_required
@blp.response(200, ShiftVacancyAlertsSchema)
def shift_vacancy_alerts(shift_id):
    """Whom the shift's vacancy alerts reached (names, phones masked), when and at which lead, and who
    took a place after their alert; the rounds run. Organizers of the shift's community only.

    403 `forbidden`, 404 `shift_not_found`.
    """
    return vacancy_alerts.shift_alerts(g.user, shift_id)
