"""Setting up a sub-district without demo data: the community commands and admin API (create, rename,
archive, CSV import), the first administrator from an openid, and what an archived community refuses."""

import base64

import pytest
from factories import activity_body, community_id, create_activity, create_site
from sqlalchemy import func, select

from server.extensions import db
from server.models import Activity, AuditLog, Community, User

GOOD_CSV = "code,name,subdistrict\nnanyuan,南园社区,南园街道\nbinhe,滨河社区,南园街道\n"


@pytest.fixture
def cli(clean_app):
    runner = clean_app.test_cli_runner()

    def run(*args):
        return runner.invoke(args=list(args))

    return run


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def community_rows(app):
    with app.app_context():
        return [
            (c.code, c.name, c.subdistrict, c.archived_at is not None)
            for c in db.session.scalars(select(Community).order_by(Community.id))
        ]


def audit_actions(app):
    with app.app_context():
        return [a.action for a in db.session.scalars(select(AuditLog).order_by(AuditLog.id))]


# --- the commands, from an empty database ------------------------------------------------------------


def test_from_an_empty_database_the_commands_set_up_a_subdistrict_without_demo_data(cli, clean_app, tmp_path, login):
    path = tmp_path / "communities.csv"
    path.write_text(GOOD_CSV, encoding="utf-8")
    result = cli("import-communities", str(path))
    assert result.exit_code == 0, result.output
    assert "2 communities imported" in result.output
    result = cli("create-community", "xinhu", "新湖社区", "--subdistrict", "南园街道")
    assert result.exit_code == 0, result.output
    result = cli("make-admin", "o-first-admin")
    assert result.exit_code == 0, result.output
    assert "admin" in result.output

    assert community_rows(clean_app) == [
        ("nanyuan", "南园社区", "南园街道", False),
        ("binhe", "滨河社区", "南园街道", False),
        ("xinhu", "新湖社区", "南园街道", False),
    ]
    assert count(clean_app, Activity) == 0
    assert count(clean_app, User) == 1  # the administrator, no demo users
    assert audit_actions(clean_app).count("community.create") == 3
    # The openid had never logged in: its first login finds the administrator.
    admin = login("o-first-admin")
    assert "admin" in admin.user["roles"]
    assert count(clean_app, User) == 1


def test_make_admin_of_a_user_who_already_logged_in(cli, clean_app, login):
    resident = login("o-someone")
    assert "admin" not in resident.user["roles"]
    assert cli("make-admin", "o-someone").exit_code == 0
    assert "admin" in resident.get("/api/v1/me").get_json()["roles"]
    assert count(clean_app, User) == 1
    assert "role.grant" in audit_actions(clean_app)


def test_make_admin_refuses_an_empty_openid(cli, clean_app):
    result = cli("make-admin", " ")
    assert result.exit_code == 1
    assert "openid" in result.output
    assert count(clean_app, User) == 0


def test_rename_and_archive_commands(cli, clean_app):
    assert cli("create-community", "nanyuan", "南园社区").exit_code == 0
    result = cli("rename-community", "nanyuan", "南园新社区", "--subdistrict", "南园街道")
    assert result.exit_code == 0, result.output
    result = cli("archive-community", "nanyuan")
    assert result.exit_code == 0, result.output
    assert "archived" in result.output
    assert community_rows(clean_app) == [("nanyuan", "南园新社区", "南园街道", True)]
    assert audit_actions(clean_app) == ["community.create", "community.update", "community.archive"]
    assert cli("archive-community", "nanyuan").exit_code == 0  # again: nothing changes
    assert audit_actions(clean_app).count("community.archive") == 1


def test_commands_refuse_unknown_and_taken_codes(cli, clean_app):
    assert cli("create-community", "nanyuan", "南园社区").exit_code == 0
    result = cli("create-community", "nanyuan", "另一个")
    assert result.exit_code == 1
    assert "community_code_taken" in result.output
    result = cli("create-community", "bad code", "名称")
    assert result.exit_code == 1
    assert "validation_failed" in result.output
    result = cli("rename-community", "nowhere", "名称")
    assert result.exit_code == 1
    assert "community_not_found" in result.output
    assert cli("archive-community", "nowhere").exit_code == 1
    assert community_rows(clean_app) == [("nanyuan", "南园社区", None, False)]


def test_seed_demo_says_it_is_for_local_runs_only(cli):
    assert "LOCAL RUNS ONLY" in cli("seed-demo", "--help").output


# --- the CSV: refused as a whole, nothing created ---------------------------------------------------


def import_file(cli, tmp_path, data):
    path = tmp_path / "list.csv"
    path.write_bytes(data)
    return cli("import-communities", str(path))


def test_a_gbk_file_from_excel_is_decoded(cli, clean_app, tmp_path):
    result = import_file(cli, tmp_path, "编码,名称,街道\r\nnanyuan,南园社区,南园街道\r\n".encode("gbk"))
    assert result.exit_code == 0, result.output
    assert community_rows(clean_app) == [("nanyuan", "南园社区", "南园街道", False)]


def test_a_utf8_file_with_bom_is_decoded(cli, clean_app, tmp_path):
    result = import_file(cli, tmp_path, GOOD_CSV.encode("utf-8-sig"))
    assert result.exit_code == 0, result.output
    assert [row[0] for row in community_rows(clean_app)] == ["nanyuan", "binhe"]


def test_duplicate_codes_in_the_file_are_refused_with_their_lines(cli, clean_app, tmp_path):
    data = GOOD_CSV + "nanyuan,又一个南园,南园街道\n"
    result = import_file(cli, tmp_path, data.encode())
    assert result.exit_code == 1
    assert "line 4: 社区编码 nanyuan 与第 2 行重复" in result.output
    assert community_rows(clean_app) == []


def test_codes_that_already_exist_are_refused_not_updated(cli, clean_app, tmp_path):
    assert cli("create-community", "binhe", "旧名字").exit_code == 0
    result = import_file(cli, tmp_path, GOOD_CSV.encode())
    assert result.exit_code == 1
    assert "line 3" in result.output and "已存在" in result.output
    assert community_rows(clean_app) == [("binhe", "旧名字", None, False)]


def test_empty_names_are_refused_with_their_lines(cli, clean_app, tmp_path):
    data = "code,name,subdistrict\nnanyuan,南园社区,\nbinhe, ,南园街道\nxinhu,,南园街道\n"
    result = import_file(cli, tmp_path, data.encode())
    assert result.exit_code == 1
    assert "line 3: 社区名称不能为空" in result.output
    assert "line 4: 社区名称不能为空" in result.output
    assert "line 2" not in result.output
    assert community_rows(clean_app) == []


def test_a_broken_encoding_is_refused_with_its_lines(cli, clean_app, tmp_path):
    data = GOOD_CSV.encode() + b"bad,\xff\xfe\xff,x\n"
    result = import_file(cli, tmp_path, data)
    assert result.exit_code == 1
    assert "line 4" in result.output and "编码" in result.output
    assert "line 2" not in result.output
    assert community_rows(clean_app) == []


def test_a_file_without_the_columns_or_rows_is_refused(cli, clean_app, tmp_path):
    result = import_file(cli, tmp_path, "社区,地址\n南园,x\n".encode())
    assert result.exit_code == 1
    assert "line 1" in result.output
    result = import_file(cli, tmp_path, b"code,name\n")
    assert result.exit_code == 1
    assert community_rows(clean_app) == []


# --- the admin API -----------------------------------------------------------------------------------


def test_admin_creates_renames_and_archives_through_the_api(admin, clean_app):
    response = admin.post("/api/v1/communities", json={"code": "nanyuan", "name": "南园社区", "subdistrict": "南园街道"})
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["subdistrict"] == "南园街道" and created["archived_at"] is None
    url = f"/api/v1/communities/{created['id']}"
    response = admin.patch(url, json={"name": "南园新社区"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["name"] == "南园新社区"
    assert response.get_json()["subdistrict"] == "南园街道"
    response = admin.post(f"{url}/archive")
    assert response.status_code == 200
    assert response.get_json()["archived_at"] is not None
    listed = admin.get("/api/v1/communities").get_json()["items"]
    assert "nanyuan" not in [c["code"] for c in listed]
    listed = admin.get("/api/v1/communities?include_archived=true").get_json()["items"]
    assert [c["name"] for c in listed if c["code"] == "nanyuan"] == ["南园新社区"]
    actions = audit_actions(clean_app)
    assert {"community.create", "community.update", "community.archive"} <= set(actions)


def test_api_refuses_a_taken_code_and_bad_fields(admin):
    response = admin.post("/api/v1/communities", json={"code": "haizhu", "name": "重复"})
    assert response.status_code == 409
    assert response.get_json()["error"] == "community_code_taken"
    response = admin.post("/api/v1/communities", json={"code": "a b", "name": "x"})
    assert response.status_code == 422
    assert "code" in response.get_json()["errors"]
    response = admin.patch(f"/api/v1/communities/{community_id(admin.client, 'haizhu')}", json={"name": "  "})
    assert response.status_code == 422
    assert admin.patch("/api/v1/communities/99999", json={"name": "x"}).status_code == 404


def test_api_import_as_text_and_as_gbk_bytes(admin, clean_app):
    before = len(community_rows(clean_app))
    response = admin.post("/api/v1/communities/import", json={"csv": GOOD_CSV})
    assert response.status_code == 201, response.get_json()
    assert [c["code"] for c in response.get_json()["items"]] == ["nanyuan", "binhe"]
    data = base64.b64encode("code,name,subdistrict\nxinhu,新湖社区,南园街道\n".encode("gbk")).decode()
    response = admin.post("/api/v1/communities/import", json={"csv_base64": data})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["items"][0]["name"] == "新湖社区"
    assert len(community_rows(clean_app)) == before + 3


def test_api_import_refuses_the_whole_file(admin, clean_app):
    before = community_rows(clean_app)
    data = GOOD_CSV + "haizhu,海珠社区,南园街道\nfresh,,南园街道\n"
    response = admin.post("/api/v1/communities/import", json={"csv": data})
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "community_csv_invalid"
    assert set(body["errors"]) == {"line 5"}  # the empty name; existing codes are checked once the file is sound
    response = admin.post("/api/v1/communities/import", json={"csv": GOOD_CSV + "haizhu,海珠社区,南园街道\n"})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"line 4"}
    broken = base64.b64encode(GOOD_CSV.encode() + b"x,\xff\xff,y\n").decode()
    response = admin.post("/api/v1/communities/import", json={"csv_base64": broken})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"line 4"}
    response = admin.post("/api/v1/communities/import", json={"csv_base64": "%%%"})
    assert response.status_code == 422
    response = admin.post("/api/v1/communities/import", json={})
    assert response.status_code == 422
    assert community_rows(clean_app) == before


@pytest.mark.parametrize("who", ["resident", "organizer"])
def test_only_admins_manage_communities(who, request, clean_app):
    caller = request.getfixturevalue(who)
    before = community_rows(clean_app)
    haizhu = community_id(caller.client, "haizhu")
    for method, url, body in [
        ("post", "/api/v1/communities", {"code": "nanyuan", "name": "南园社区"}),
        ("patch", f"/api/v1/communities/{haizhu}", {"name": "改名"}),
        ("post", f"/api/v1/communities/{haizhu}/archive", None),
        ("post", "/api/v1/communities/import", {"csv": GOOD_CSV}),
    ]:
        response = getattr(caller, method)(url, json=body)
        assert response.status_code == 403, (url, response.get_json())
        assert response.get_json()["error"] == "forbidden"
    assert community_rows(clean_app) == before


def test_anonymous_callers_cannot_manage_communities(client, seeded):
    response = client.post("/api/v1/communities", json={"code": "nanyuan", "name": "南园社区"})
    assert response.status_code == 401


# --- an archived community keeps its history, takes nothing new -------------------------------------


@pytest.fixture
def archived_haizhu(admin, organizer):
    """haizhu, with a published activity and a site made before it was archived."""
    activity = create_activity(organizer)
    site = create_site(organizer)
    haizhu = community_id(admin.client, "haizhu")
    assert admin.post(f"/api/v1/communities/{haizhu}/archive").status_code == 200
    return haizhu, activity, site


def test_an_archived_community_takes_no_new_activity_or_site(archived_haizhu, organizer):
    haizhu, activity, site = archived_haizhu
    response = organizer.post("/api/v1/activities", json=activity_body(haizhu))
    assert response.status_code == 409
    assert response.get_json()["error"] == "community_archived"
    body = {"community_id": haizhu, "name": "南门卡口", "kind": "checkpoint", "address": "南门"}
    response = organizer.post("/api/v1/sites", json=body)
    assert response.status_code == 409
    assert response.get_json()["error"] == "community_archived"
    # Its history stays.
    assert organizer.get(f"/api/v1/activities/{activity['id']}").status_code == 200
    assert site["id"] in [s["id"] for s in organizer.get(f"/api/v1/sites?community_id={haizhu}").get_json()["items"]]
    assert organizer.get(f"/api/v1/communities/{haizhu}/members").status_code == 200


def test_an_archived_community_takes_no_new_members(archived_haizhu, login, organizer, resident):
    haizhu = archived_haizhu[0]
    newcomer = login("o-newcomer")
    response = newcomer.patch("/api/v1/me", json={"community_id": haizhu})
    assert response.status_code == 409
    assert response.get_json()["error"] == "community_archived"
    assert newcomer.get("/api/v1/me").get_json()["community"] is None
    response = organizer.get(f"/api/v1/communities/{haizhu}/join-code")
    assert response.status_code == 409
    assert response.get_json()["error"] == "community_archived"
    # A member keeps it (saving the profile with it unchanged is fine).
    mine = resident.get("/api/v1/me").get_json()["community"]
    if mine is not None and mine["id"] == haizhu:
        assert resident.patch("/api/v1/me", json={"community_id": haizhu}).status_code == 200


def test_a_join_code_shown_before_archiving_is_refused_after(admin, organizer, login):
    haizhu = community_id(admin.client, "haizhu")
    token = organizer.get(f"/api/v1/communities/{haizhu}/join-code").get_json()["token"]
    assert admin.post(f"/api/v1/communities/{haizhu}/archive").status_code == 200
    newcomer = login("o-newcomer")
    response = newcomer.post("/api/v1/me/community/join", json={"token": token})
    assert response.status_code == 409
    assert response.get_json()["error"] == "community_archived"
    assert newcomer.get("/api/v1/me").get_json()["community"] is None


def test_a_pending_claim_cannot_be_confirmed_once_archived(admin, organizer, login):
    haizhu = community_id(admin.client, "haizhu")
    claimant = login("o-claimant")
    assert claimant.patch("/api/v1/me", json={"community_id": haizhu}).status_code == 200
    assert admin.post(f"/api/v1/communities/{haizhu}/archive").status_code == 200
    response = organizer.post(f"/api/v1/communities/{haizhu}/members/{claimant.user['id']}/confirm")
    assert response.status_code == 409
    assert response.get_json()["error"] == "community_archived"
    assert claimant.get("/api/v1/me").get_json()["community"]["status"] == "claimed"
