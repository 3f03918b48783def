"""The console's hours as a record: confirm a shift's hours, correct one figure with a reason and see
its history, answer a query; the console's hours page shows the same confirmed figures as the
volunteer's 我的时长 and the export."""

import csv
import io
import re
from datetime import datetime, timedelta, timezone

from factories import book, create_shift, create_site, local
from playwright.sync_api import expect

from console.conftest import console_client


def ended_shift(organizer, residents, move_shift, minutes=(150, 95)):
    shift = create_shift(organizer, create_site(organizer), roles=[("测温", 10)])
    people = residents(len(minutes))
    bookings = [book(person, shift).get_json() for person in people]
    starts_at = datetime.now(timezone.utc).replace(second=0, microsecond=0) - timedelta(hours=4)
    move_shift(shift["id"], starts_at, starts_at + timedelta(hours=3))
    for booking, worked in zip(bookings, minutes):
        url = f"/api/v1/shift-bookings/{booking['id']}"
        organizer.post(url + "/check-in", json={"at": starts_at.isoformat(), "reason": "现场登记"})
        organizer.post(url + "/check-out", json={"at": (starts_at + timedelta(minutes=worked)).isoformat()})
    return shift, people, bookings


def test_confirm_correct_and_answer_in_the_console(console_login, organizer, residents, move_shift, shot):
    shift, people, bookings = ended_shift(organizer, residents, move_shift)
    page = console_login("demo-organizer")
    page.goto(f"/console/shifts/{shift['id']}")
    expect(page.locator("#shift-bookings")).to_contain_text("待确认")
    page.get_by_role("button", name="确认本班次志愿时长").click()
    expect(page.locator("body")).to_contain_text("已确认 2 人的时长")
    expect(page.locator("#shift-bookings")).to_contain_text("已确认")
    shot(page, "shift-hours")
    assert people[0].get("/api/v1/me").get_json()["volunteer_minutes"] == 150

    page.goto(f"/console/shift-bookings/{bookings[0]['id']}/hours")
    page.get_by_label("更正为（分钟）").fill("170")
    page.get_by_label("更正原因").fill("签退漏扫，按现场登记补记")
    page.get_by_role("button", name="保存更正").click()
    expect(page.locator("[data-figure=minutes]")).to_have_text("170")
    expect(page.locator("table.history")).to_contain_text("签退漏扫，按现场登记补记")
    expect(page.locator("table.history tbody tr")).to_have_count(2)
    shot(page, "hours-booking")
    assert people[0].get("/api/v1/me").get_json()["volunteer_minutes"] == 170

    people[1].post(f"/api/v1/shift-bookings/{bookings[1]['id']}/hours/query", json={"text": "我一直在岗到结束"})
    page.goto("/console/hours/queries")
    query = page.locator(".query").first
    expect(query).to_contain_text("我一直在岗到结束")
    shot(page, "hours-queries")
    query.get_by_label("答复").fill("已核实，更正为3小时")
    query.get_by_label("更正为（分钟，可不填）").fill("180")
    query.get_by_role("button", name="答复").click()
    expect(page.locator("body")).to_contain_text("没有待答复的申诉")
    item = people[1].get("/api/v1/me/hours").get_json()["items"][0]
    assert (item["minutes"], item["status"], item["query"]["answer"]) == (180, "corrected", "已核实，更正为3小时")


def test_the_console_the_volunteer_and_the_export_agree(clean_app, organizer, residents, move_shift, emulator, login):
    shift, people, bookings = ended_shift(organizer, residents, move_shift, (150, 95, 61))
    organizer.post(f"/api/v1/shifts/{shift['id']}/hours/confirm")
    organizer.post(f"/api/v1/shift-bookings/{bookings[2]['id']}/hours/correct", json={"minutes": 75, "reason": "补记"})
    ended_shift(organizer, residents, move_shift, (40,))  # pending: counted nowhere
    first, last = (local() - timedelta(days=1)).date().isoformat(), local().date().isoformat()
    client = console_client(clean_app, login, emulator, "demo-organizer")
    html = client.get(f"/console/hours?from={first}&to={last}").get_data(as_text=True)
    exported = list(csv.reader(io.StringIO(
        client.get(f"/console/hours/export?from={first}&to={last}&format=csv").get_data().decode("utf-8-sig"))))[1:]
    for person in people:
        me = person.get("/api/v1/me").get_json()
        total = person.get("/api/v1/me/hours").get_json()["total_minutes"]
        name = me["real_name"]
        # The console's per-person subtotal follows the person's row.
        subtotal = re.search(rf'class="person">{name}</td>.*?<tr class="subtotal">.*?<td class="num">([0-9.]+)</td>',
                             html, re.S).group(1)
        in_export = sum(round(float(row[6]) * 60) for row in exported if row[0] == name)
        assert me["volunteer_minutes"] == total == in_export == round(float(subtotal) * 60)
    assert "居民0" not in [row[0] for row in exported if row[0] == "居民3"]
    assert html.count('class="person"') == 3  # the pending one is not listed


def test_the_proof_from_the_console(clean_app, organizer, residents, move_shift, emulator, login):
    shift, people, _ = ended_shift(organizer, residents, move_shift, (120,))
    organizer.post(f"/api/v1/shifts/{shift['id']}/hours/confirm")
    first, last = (local() - timedelta(days=1)).date().isoformat(), local().date().isoformat()
    client = console_client(clean_app, login, emulator, "demo-organizer")
    html = client.get(f"/console/hours?from={first}&to={last}").get_data(as_text=True)
    assert "志愿服务证明" in html
    response = client.get(f"/console/hours/proof?user_id={people[0].user['id']}&from={first}&to={last}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert client.get(f"/console/hours/proof?user_id=abc&from={first}&to={last}").status_code == 422
