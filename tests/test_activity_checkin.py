"""Check-in: rotating tokens, the mini-program code image, self and manual check-in."""

import time

from factories import create_activity, soon

from server.services import checkin_tokens


def checkin_code(organizer, activity):
    response = organizer.get(f"/api/v1/activities/{activity['id']}/checkin-code")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def check_in(session, activity, token):
    return session.post(f"/api/v1/activities/{activity['id']}/check-in", json={"token": token})


def test_checkin_code_token_fits_a_mini_program_scene(organizer):
    activity = create_activity(organizer)
    code = checkin_code(organizer, activity)
    assert len(code["token"]) <= 32
    assert code["token"].startswith(f"a{activity['id']}.")
    assert code["expires_at"].endswith("+08:00")
    assert code["qrcode_url"].startswith("http://localhost/api/v1/checkin-codes/")


def test_checkin_code_image_comes_from_wechat_once(organizer, client, emulator):
    activity = create_activity(organizer)
    code = checkin_code(organizer, activity)
    path = code["qrcode_url"].replace("http://localhost", "")
    for _ in range(2):
        image = client.get(path)
        assert image.status_code == 200
        assert image.mimetype == "image/jpeg"
        assert image.data[:2] == b"\xff\xd8"
    [generated] = emulator.codes()
    assert (generated["scene"], generated["page"]) == (code["token"], "pages/checkin/index")


def test_checkin_code_image_for_a_forged_token_is_404(client, organizer):
    activity = create_activity(organizer)
    response = client.get(f"/api/v1/checkin-codes/a{activity['id']}.zzzz.AAAAAAAAAAAA.jpg")
    assert (response.status_code, response.get_json()["error"]) == (404, "checkin_token_invalid")


def test_self_check_in_with_the_scanned_token(organizer, resident):
    activity = create_activity(organizer, starts_at=soon())
    resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    token = checkin_code(organizer, activity)["token"]
    first = check_in(resident, activity, token)
    assert first.status_code == 200
    assert first.get_json()["checked_in_at"]
    second = check_in(resident, activity, token)
    assert second.get_json()["checked_in_at"] == first.get_json()["checked_in_at"]


def test_yesterdays_token_is_refused(organizer, resident, clean_app):
    activity = create_activity(organizer, starts_at=soon())
    resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    with clean_app.app_context():
        old_token, _ = checkin_tokens.make_token("a", activity["id"], now=time.time() - 86400)
        stale_token, _ = checkin_tokens.make_token("a", activity["id"], now=time.time() - 2 * 300 - 1)
        grace_token, _ = checkin_tokens.make_token("a", activity["id"], now=time.time() - 300)
    for token in (old_token, stale_token):
        response = check_in(resident, activity, token)
        assert (response.status_code, response.get_json()["error"]) == (409, "checkin_token_invalid")
    assert check_in(resident, activity, grace_token).status_code == 200


def test_token_of_another_activity_or_tampered_is_refused(organizer, resident):
    activity = create_activity(organizer)
    other = create_activity(organizer, title="另一个活动")
    resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    other_token = checkin_code(organizer, other)["token"]
    token = checkin_code(organizer, activity)["token"]
    for bad in (other_token, token[:-1] + ("A" if token[-1] != "A" else "B"), "garbage", ""):
        response = check_in(resident, activity, bad)
        assert response.status_code in (409, 422)
    assert resident.get(f"/api/v1/activities/{activity['id']}").get_json()["my_registration"]["checked_in_at"] is None


def test_check_in_without_registration_is_404(organizer, resident):
    activity = create_activity(organizer)
    token = checkin_code(organizer, activity)["token"]
    response = check_in(resident, activity, token)
    assert (response.status_code, response.get_json()["error"]) == (404, "registration_not_found")


def test_waitlisted_cannot_check_in(organizer, residents):
    activity = create_activity(organizer, capacity=1)
    holder, waiting = residents(2)
    holder.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    waiting.post(f"/api/v1/activities/{activity['id']}/registrations", json={})
    token = checkin_code(organizer, activity)["token"]
    response = check_in(waiting, activity, token)
    assert (response.status_code, response.get_json()["error"]) == (409, "registration_not_confirmed")


def test_organizer_checks_in_by_hand(organizer, resident):
    activity = create_activity(organizer, starts_at=soon())
    registration = resident.post(f"/api/v1/activities/{activity['id']}/registrations", json={}).get_json()
    response = organizer.post(f"/api/v1/activities/{activity['id']}/roster/{registration['id']}/check-in")
    assert response.status_code == 200
    assert response.get_json()["checked_in_at"]
    roster = organizer.get(f"/api/v1/activities/{activity['id']}/roster").get_json()
    assert roster["counts"]["checked_in"] == 1


def test_manual_check_in_of_another_activitys_registration_is_404(organizer, resident):
    activity = create_activity(organizer)
    other = create_activity(organizer, title="另一个")
    registration = resident.post(f"/api/v1/activities/{other['id']}/registrations", json={}).get_json()
    response = organizer.post(f"/api/v1/activities/{activity['id']}/roster/{registration['id']}/check-in")
    assert (response.status_code, response.get_json()["error"]) == (404, "registration_not_found")


def test_checkin_code_for_a_draft_is_409(organizer):
    activity = create_activity(organizer, publish=False)
    response = organizer.get(f"/api/v1/activities/{activity['id']}/checkin-code")
    assert (response.status_code, response.get_json()["error"]) == (409, "activity_not_open")
