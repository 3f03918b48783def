"""The console's shift page shows whom the shift's vacancy alerts (空岗提醒) reached: each round, each
person (phone masked), and who then took a place."""

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select, update

from factories import book, create_shift, create_site
from server.extensions import db
from server.models import Site, User, VacancyAlert
from server.models.base import utcnow
from test_vacancy_alerts import alerted, run, volunteers


def test_the_shift_page_lists_the_alerted_and_who_took_a_place(console_login, organizer, login, shot, clean_app):
    site = create_site(organizer)
    with clean_app.app_context():
        db.session.execute(update(Site).where(Site.id == site["id"]).values(latitude=22.540, longitude=114.050))
        db.session.commit()
    shift = create_shift(organizer, site, roles=[("卡口值守", 2)])
    page = console_login("demo-organizer")
    page.goto(f"/console/shifts/{shift['id']}")
    expect(page.locator("#vacancy-alerts")).to_contain_text("尚未发送空岗提醒")

    volunteers(clean_app, 7, home=lambda i: None if i == 0 else (22.540 + 0.004 * i, 114.050))
    assert run(clean_app, shift) == (1, 6)
    with clean_app.app_context():
        db.session.execute(update(VacancyAlert).values(created_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
        taker = db.session.scalar(select(User.openid).where(User.id == alerted(clean_app, shift["id"])[0]))
    assert book(login(taker), shift).status_code == 201

    page.reload()
    card = page.locator("#vacancy-alerts")
    expect(card).to_contain_text("共提醒 6 人，其中 1 人随后预约了该班次")
    expect(card).to_contain_text("提前24小时")
    expect(card.locator("tbody tr")).to_have_count(6)
    expect(card.locator("tr.took-place")).to_have_count(1)
    expect(card.locator("tr.took-place")).to_contain_text("志愿者1")  # the nearest
    expect(card).to_contain_text("0.4 公里")
    expect(card).to_contain_text("139****0001")
    expect(card).not_to_contain_text("13900000001")
    shot(page, "shift-vacancy-alerts")
