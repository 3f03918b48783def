"""Tests of the WeChat API emulator over real HTTP, with wechatpy as the client."""

import base64
import hashlib
import hmac
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import pytest  # noqa: E402
import requests  # noqa: E402
from wechatpy import WeChatClient  # noqa: E402
from wechatpy.exceptions import WeChatClientException  # noqa: E402

from wechat_emulator import QR_JPEG, EmulatorClient, EmulatorError, EmulatorServer  # noqa: E402

APPID = "wx00000000000test"
SECRET = "emulator-test-secret"
TEMPLATE = "tmpl-activity-reminder"
OTHER_TEMPLATE = "tmpl-shift-reminder"
PAGES = ["pages/index/index", "pages/activity/index"]
GOOD_DATA = {"thing1": {"value": "社区环境清洁"}, "time2": {"value": "2024年10月1日 09:30"}}


class EmulatorWeChatClient(WeChatClient):
    """wechatpy pointed at the emulator (docs/wechat.md, "wechatpy quirks")."""

    def __init__(self, appid, secret, *, base_url, **kwargs):
        self._base = base_url.rstrip("/") + "/"
        super().__init__(appid, secret, **kwargs)
        self.API_BASE_URL = self._base + "cgi-bin/"
        self.wxa.API_BASE_URL = self._base

    def fetch_access_token(self):
        return self._fetch_access_token(
            url=self._base + "cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


class EmulatorStableWeChatClient(EmulatorWeChatClient):
    """Fetches tokens from cgi-bin/stable_token (docs/wechat.md, "Access token")."""

    def fetch_access_token(self):
        body = {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret,
                "force_refresh": False}
        res = self._http.post(self._base + "cgi-bin/stable_token", json=body, timeout=self.timeout)
        result = res.json()
        if result.get("errcode"):
            raise WeChatClientException(result["errcode"], result.get("errmsg"), client=self, response=res)
        self.session.set(self.access_token_key, result["access_token"], result["expires_in"])
        self.expires_at = int(time.time()) + result["expires_in"]
        return result


@pytest.fixture(scope="module")
def emu_server():
    server = EmulatorServer(APPID, SECRET, template_ids=[TEMPLATE, OTHER_TEMPLATE], pages=PAGES).start()
    yield server
    server.stop()


@pytest.fixture
def emu(emu_server):
    control = EmulatorClient(emu_server.url)
    control.reset()
    return control


@pytest.fixture
def emu_wechat(emu_server, emu):
    return EmulatorWeChatClient(APPID, SECRET, base_url=emu_server.url, timeout=5, auto_retry=False)


@pytest.fixture
def emu_user(emu, emu_wechat):
    """A user who has logged in (known and recently active)."""
    return emu_wechat.wxa.code_to_session(emu.mint_login_code()["code"])["openid"]


def emu_errcode(call, *args, **kwargs):
    with pytest.raises(WeChatClientException) as info:
        call(*args, **kwargs)
    return info.value.errcode


def emu_token(emu_server):
    res = requests.get(f"{emu_server.url}/cgi-bin/token", timeout=5,
                       params={"grant_type": "client_credential", "appid": APPID, "secret": SECRET})
    return res.json()["access_token"]


def emu_stable(emu_server, force=False):
    body = {"grant_type": "client_credential", "appid": APPID, "secret": SECRET, "force_refresh": force}
    return requests.post(f"{emu_server.url}/cgi-bin/stable_token", json=body, timeout=5).json()


def emu_post(emu_server, path, token, data: bytes):
    """POST raw bytes with no Content-Type, the way wechatpy does."""
    return requests.post(f"{emu_server.url}{path}", params={"access_token": token}, data=data, timeout=5)


# --- tokens ---


def test_token_fetch_returns_token_and_expiry(emu_wechat):
    result = emu_wechat.fetch_access_token()
    assert set(result) == {"access_token", "expires_in"}
    assert result["expires_in"] == 7200 and len(result["access_token"]) > 100


@pytest.mark.parametrize("params, errcode", [
    ({"grant_type": "password", "appid": APPID, "secret": SECRET}, 40002),
    ({"grant_type": "client_credential", "appid": "wxother", "secret": SECRET}, 40013),
    ({"grant_type": "client_credential", "appid": APPID, "secret": "wrong"}, 40125),
])
def test_token_rejects_bad_credentials(emu_server, emu, params, errcode):
    body = requests.get(f"{emu_server.url}/cgi-bin/token", params=params, timeout=5).json()
    assert body["errcode"] == errcode
    assert " rid: " in body["errmsg"]


def test_stable_token_normal_mode_returns_same_token(emu_server, emu):
    first, second = emu_stable(emu_server), emu_stable(emu_server)
    assert first["access_token"] == second["access_token"]
    assert first["expires_in"] == 7200


def test_wechatpy_clients_share_one_stable_token(emu_server, emu):
    first = EmulatorStableWeChatClient(APPID, SECRET, base_url=emu_server.url, timeout=5, auto_retry=False)
    second = EmulatorStableWeChatClient(APPID, SECRET, base_url=emu_server.url, timeout=5, auto_retry=False)
    assert first.access_token == second.access_token
    assert first.wxa.get_wxa_code_unlimited("a=1").content == QR_JPEG


def test_stable_token_rotates_in_last_five_minutes(emu_server, emu):
    first = emu_stable(emu_server)["access_token"]
    emu.advance_clock(7200 - 299)
    assert emu_stable(emu_server)["access_token"] != first


def test_stable_token_force_refresh_replaces_token_and_is_rate_limited(emu_server, emu, emu_wechat):
    old = emu_stable(emu_server)["access_token"]
    new = emu_stable(emu_server, force=True)["access_token"]
    assert new != old
    assert emu_stable(emu_server, force=True)["errcode"] == 45009  # less than 30 s later
    code = emu.mint_phone_code("13800138000")["code"]
    assert emu_post(emu_server, "/wxa/business/getuserphonenumber", old, f'{{"code":"{code}"}}'.encode()).json()[
        "errcode"] == 40001


def test_stable_and_cgi_tokens_are_separate_families(emu_server, emu):
    stable = emu_stable(emu_server)["access_token"]
    emu_token(emu_server)
    emu.advance_clock(301)
    emu_token(emu_server)  # would kill an older cgi-bin token, not the stable one
    res = emu_post(emu_server, "/wxa/getwxacodeunlimit", stable, b'{"scene":"a=1"}')
    assert res.content == QR_JPEG


def test_previous_cgi_token_dies_five_minutes_after_new_fetch(emu_server, emu):
    old = emu_token(emu_server)
    new = emu_token(emu_server)
    body = b'{"scene":"a=1"}'
    assert emu_post(emu_server, "/wxa/getwxacodeunlimit", old, body).content == QR_JPEG
    emu.advance_clock(301)
    assert emu_post(emu_server, "/wxa/getwxacodeunlimit", old, body).json()["errcode"] == 40001
    assert emu_post(emu_server, "/wxa/getwxacodeunlimit", new, body).content == QR_JPEG


def test_missing_token_gives_41001(emu_server, emu):
    res = requests.post(f"{emu_server.url}/wxa/msg_sec_check", data=b"{}", timeout=5)
    assert res.status_code == 200 and res.json()["errcode"] == 41001


def test_unknown_token_gives_40001(emu_server, emu):
    assert emu_post(emu_server, "/wxa/msg_sec_check", "nope", b"{}").json()["errcode"] == 40001


def test_invalidated_token_gives_40001(emu, emu_wechat):
    emu_wechat.fetch_access_token()
    emu.invalidate_tokens()
    assert emu_errcode(emu_wechat.wxa.get_wxa_code_unlimited, "a=1") == 40001


def test_expired_token_gives_42001(emu, emu_wechat):
    emu_wechat.fetch_access_token()
    emu.advance_clock(7200)
    assert emu_errcode(emu_wechat.wxa.get_wxa_code_unlimited, "a=1") == 42001


def test_auto_retry_client_recovers_from_one_40001(emu_server, emu):
    client = EmulatorWeChatClient(APPID, SECRET, base_url=emu_server.url, timeout=5)  # auto_retry on
    client.fetch_access_token()
    emu.inject_fault("/wxa/getwxacodeunlimit", errcode=40001)
    assert client.wxa.get_wxa_code_unlimited("a=1").content == QR_JPEG
    assert len(emu.calls("/cgi-bin/token")) == 2


# --- login ---


def test_jscode2session_returns_openid_and_session_key(emu, emu_wechat):
    minted = emu.mint_login_code(unionid="oUnion123")
    result = emu_wechat.wxa.code_to_session(minted["code"])
    assert result == {"openid": minted["openid"], "session_key": minted["session_key"], "unionid": "oUnion123"}
    assert len(minted["openid"]) == 28 and minted["openid"].startswith("o")
    assert len(base64.b64decode(result["session_key"])) == 16


def test_jscode2session_ignores_the_access_token_wechatpy_sends(emu, emu_wechat):
    emu_wechat.wxa.code_to_session(emu.mint_login_code()["code"])
    call = emu.calls("/sns/jscode2session")[0]
    assert call["query"]["access_token"] and call["query"]["grant_type"] == "authorization_code"


def test_new_login_code_for_same_openid_gives_fresh_session_key(emu, emu_wechat):
    first = emu.mint_login_code(openid="oSameUser0000000000000000000")
    second = emu.mint_login_code(openid=first["openid"])
    assert emu_wechat.wxa.code_to_session(second["code"])["session_key"] != first["session_key"]


def test_jscode2session_unknown_code_gives_40029(emu, emu_wechat):
    assert emu_errcode(emu_wechat.wxa.code_to_session, "not-a-code") == 40029


def test_jscode2session_reused_code_gives_40163(emu, emu_wechat):
    code = emu.mint_login_code()["code"]
    emu_wechat.wxa.code_to_session(code)
    assert emu_errcode(emu_wechat.wxa.code_to_session, code) == 40163


def test_login_code_expires_after_five_minutes(emu, emu_wechat):
    code = emu.mint_login_code()["code"]
    emu.advance_clock(301)
    assert emu_errcode(emu_wechat.wxa.code_to_session, code) == 40029


def test_checksession_accepts_hmac_of_latest_session_key(emu_server, emu, emu_wechat):
    login = emu_wechat.wxa.code_to_session(emu.mint_login_code()["code"])
    good = hmac.new(login["session_key"].encode(), b"", hashlib.sha256).hexdigest()
    params = {"openid": login["openid"], "sig_method": "hmac_sha256", "signature": good}
    assert emu_wechat.get(f"{emu_server.url}/wxa/checksession", params=dict(params)) == {"errcode": 0, "errmsg": "ok"}
    params["signature"] = "0" * 64
    assert emu_errcode(emu_wechat.get, f"{emu_server.url}/wxa/checksession", params=params) == 87009


# --- phone number ---


def test_phone_code_gives_phone_info_once(emu, emu_wechat):
    code = emu.mint_phone_code("13800138000")["code"]
    result = emu_wechat.wxa._post("wxa/business/getuserphonenumber", data={"code": code})
    assert result["errcode"] == 0
    info = result["phone_info"]
    assert info["phoneNumber"] == info["purePhoneNumber"] == "13800138000"
    assert info["countryCode"] == 86 and info["watermark"]["appid"] == APPID
    assert emu_errcode(emu_wechat.wxa._post, "wxa/business/getuserphonenumber", data={"code": code}) == 40029


def test_phone_code_expires_after_five_minutes(emu, emu_wechat):
    code = emu.mint_phone_code("13800138000")["code"]
    emu.advance_clock(301)
    assert emu_errcode(emu_wechat.wxa._post, "wxa/business/getuserphonenumber", data={"code": code}) == 40029


def test_body_rules_bad_json_47001_and_empty_44002(emu_server, emu):
    token = emu_token(emu_server)
    assert emu_post(emu_server, "/wxa/business/getuserphonenumber", token, b"{code:").json()["errcode"] == 47001
    assert emu_post(emu_server, "/wxa/business/getuserphonenumber", token, b"").json()["errcode"] == 44002


# --- subscribe messages ---


def test_subscribe_send_succeeds_and_is_recorded(emu, emu_wechat, emu_user):
    emu.accept_subscription(emu_user, TEMPLATE)
    result = emu_wechat.wxa.send_subscribe_message(emu_user, TEMPLATE, GOOD_DATA, page="pages/activity/index?id=7")
    assert result["errcode"] == 0 and result["msgid"] > 2**53
    [message] = emu.messages(touser=emu_user)
    assert message["msgid"] == result["msgid"]  # int64 survives JSON both ways
    assert (message["template_id"], message["page"], message["data"]) == (
        TEMPLATE, "pages/activity/index?id=7", GOOD_DATA)


def test_subscribe_send_without_credit_gives_43101(emu, emu_wechat, emu_user):
    assert emu_errcode(emu_wechat.wxa.send_subscribe_message, emu_user, TEMPLATE, GOOD_DATA) == 43101
    assert emu.messages() == []


def test_subscribe_credits_count_accepts_and_sends(emu, emu_wechat, emu_user):
    assert emu.accept_subscription(emu_user, TEMPLATE, count=2)["remaining"] == 2
    emu.accept_subscription(emu_user, OTHER_TEMPLATE)
    emu_wechat.wxa.send_subscribe_message(emu_user, TEMPLATE, GOOD_DATA)
    emu_wechat.wxa.send_subscribe_message(emu_user, TEMPLATE, GOOD_DATA)
    assert emu_errcode(emu_wechat.wxa.send_subscribe_message, emu_user, TEMPLATE, GOOD_DATA) == 43101
    assert emu.remaining_credits(emu_user, TEMPLATE) == 0
    assert emu.remaining_credits(emu_user, OTHER_TEMPLATE) == 1


def test_concurrent_sends_never_overspend_credits(emu, emu_wechat, emu_user):
    emu.accept_subscription(emu_user, TEMPLATE, count=5)
    emu_wechat.fetch_access_token()

    def send(_):
        try:
            return emu_wechat.wxa.send_subscribe_message(emu_user, TEMPLATE, GOOD_DATA)["errcode"]
        except WeChatClientException as e:
            return e.errcode

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = sorted(pool.map(send, range(12)))
    assert results == [0] * 5 + [43101] * 7
    assert len(emu.messages()) == 5


@pytest.mark.parametrize("key, value", [
    ("thing1", "一" * 21),
    ("phrase3", "配送ok"),
    ("phrase3", "配送中配送中"),
    ("number2", "12a"),
    ("letter4", "abc1"),
    ("character_string5", "AB中"),
    ("time6", "3:01 PM"),
    ("date7", "2019年13月1日"),
    ("name8", "张三李四王五赵六钱七孙"),
    ("amount9", "一百元"),
    ("phone_number10", "1" * 18),
    ("car_number11", "粤A8Z888挂1"),
    ("symbol12", "abc"),
    ("thing13", ""),
])
def test_subscribe_value_breaking_its_type_gives_47003(emu, emu_wechat, emu_user, key, value):
    emu.accept_subscription(emu_user, TEMPLATE)
    with pytest.raises(WeChatClientException) as info:
        emu_wechat.wxa.send_subscribe_message(emu_user, TEMPLATE, {key: {"value": value}})
    assert info.value.errcode == 47003
    assert info.value.errmsg.startswith(f"argument invalid! data.{key}.value invalid rid: ")
    assert emu.remaining_credits(emu_user, TEMPLATE) == 1  # a rejected message spends nothing


@pytest.mark.parametrize("key, value", [
    ("thing1", "一" * 20),
    ("phrase3", "配送中"),
    ("number2", "3.14"),
    ("time6", "15:01"),
    ("time6", "2019-10-01 15:01~17:30"),
    ("date7", "2015年01月05日"),
    ("name8", "张三"),
    ("name8", "John Smith"),
    ("amount9", "¥100.50元"),
    ("phone_number10", "+86-0766-66888866"),
    ("car_number11", "粤A8Z888挂"),
    ("character_string5", "NO-2024-0001"),
    ("site01", "TIT创意园"),
])
def test_subscribe_value_following_its_type_is_accepted(emu, emu_wechat, emu_user, key, value):
    emu.accept_subscription(emu_user, TEMPLATE)
    assert emu_wechat.wxa.send_subscribe_message(emu_user, TEMPLATE, {key: {"value": value}})["errcode"] == 0


def test_subscribe_value_not_an_object_gives_47003(emu, emu_wechat, emu_user):
    emu.accept_subscription(emu_user, TEMPLATE)
    assert emu_errcode(emu_wechat.wxa.send_subscribe_message, emu_user, TEMPLATE, {"thing1": "plain"}) == 47003


@pytest.mark.parametrize("touser, template_id, page, errcode", [
    ("oNeverSeen000000000000000000", TEMPLATE, None, 40003),
    (None, "tmpl-unknown", None, 40037),
    (None, TEMPLATE, "pages/missing/index", 41030),
])
def test_subscribe_send_checks_user_template_and_page(emu, emu_wechat, emu_user, touser, template_id, page, errcode):
    emu.accept_subscription(emu_user, TEMPLATE)
    call = emu_wechat.wxa.send_subscribe_message
    assert emu_errcode(call, touser or emu_user, template_id, GOOD_DATA, page=page) == errcode


def test_subscribe_send_accepts_miniprogram_state_and_lang(emu, emu_wechat, emu_user):
    emu.accept_subscription(emu_user, TEMPLATE)
    body = {"touser": emu_user, "template_id": TEMPLATE, "data": GOOD_DATA,
            "miniprogram_state": "developer", "lang": "zh_CN"}
    assert emu_wechat.wxa._post("cgi-bin/message/subscribe/send", data=body)["errcode"] == 0
    assert emu.messages()[0]["miniprogram_state"] == "developer"


# --- mini-program codes ---


def test_wxacode_returns_jpeg_and_is_recorded(emu_server, emu, emu_wechat):
    res = emu_wechat.wxa.get_wxa_code_unlimited("act=42&t=abc", page="pages/activity/index")
    assert res.headers["Content-Type"] == "image/jpeg"
    assert res.content == QR_JPEG and res.content[:2] == b"\xff\xd8" and res.content[-2:] == b"\xff\xd9"
    assert [(c["scene"], c["page"]) for c in emu.codes()] == [("act=42&t=abc", "pages/activity/index")]


@pytest.mark.parametrize("body, errcode", [
    ({"scene": "a" * 33}, 40169),
    ({"scene": ""}, 40169),
    ({"scene": "活动"}, 40129),
    ({"scene": "a%20b"}, 40129),
    ({"scene": "a=1", "page": "/pages/index/index"}, 41030),
    ({"scene": "a=1", "page": "pages/index/index?x=1"}, 41030),
    ({"scene": "a=1", "page": "pages/unknown/index"}, 41030),
    ({"scene": "a=1", "width": 100}, 40097),
    ({"scene": "a=1", "env_version": "beta"}, 40097),
])
def test_wxacode_rejects_bad_arguments(emu, emu_wechat, body, errcode):
    assert emu_errcode(emu_wechat.wxa._post, "wxa/getwxacodeunlimit", data=body) == errcode


def test_wxacode_error_is_json_and_bad_body_is_40169(emu_server, emu):
    res = emu_post(emu_server, "/wxa/getwxacodeunlimit", emu_token(emu_server), b"not json")
    assert res.headers["Content-Type"] == "application/json"
    assert res.json()["errcode"] == 40169


def test_wxacode_unknown_page_allowed_without_check_path(emu, emu_wechat):
    body = {"scene": "a=1", "page": "pages/unpublished/index", "check_path": False, "env_version": "develop"}
    assert emu_wechat.wxa._post("wxa/getwxacodeunlimit", data=body).content == QR_JPEG


# --- text security ---


def emu_check(client, openid, content, scene=2):
    return client.wxa._post("wxa/msg_sec_check",
                            data={"version": 2, "openid": openid, "scene": scene, "content": content})


def test_msg_sec_check_passes_clean_text(emu, emu_wechat, emu_user):
    result = emu_check(emu_wechat, emu_user, "周六上午社区清洁，欢迎报名")
    assert result["errcode"] == 0 and result["result"] == {"suggest": "pass", "label": 100}
    assert result["detail"][0]["strategy"] == "content_model" and result["trace_id"]


def test_msg_sec_check_flags_marked_text(emu, emu_wechat, emu_user):
    emu.mark_text("违禁词", "risky", 20006)
    result = emu_check(emu_wechat, emu_user, "这里有违禁词")
    assert result["errcode"] == 0 and result["result"] == {"suggest": "risky", "label": 20006}


def test_msg_sec_check_needs_recent_visit(emu, emu_wechat):
    openid = emu.mint_login_code()["openid"]  # known, but never logged in
    assert emu_errcode(emu_check, emu_wechat, openid, "hello") == 61010
    emu.mark_active(openid)
    assert emu_check(emu_wechat, openid, "hello")["result"]["suggest"] == "pass"
    emu.advance_clock(2 * 3600 + 1)
    emu_wechat.fetch_access_token()  # the old token expired too
    assert emu_errcode(emu_check, emu_wechat, openid, "hello") == 61010


def test_msg_sec_check_rejects_unknown_openid_and_bad_scene(emu, emu_wechat, emu_user):
    assert emu_errcode(emu_check, emu_wechat, "oNobody", "hello") == 40003
    assert emu_errcode(emu_check, emu_wechat, emu_user, "hello", scene=5) == 40129


def test_msg_sec_check_reads_utf8_body_without_content_type(emu_server, emu, emu_user):
    emu.mark_text("广告", "review", 10001)
    body = f'{{"version":2,"openid":"{emu_user}","scene":3,"content":"发广告"}}'.encode()
    result = emu_post(emu_server, "/wxa/msg_sec_check", emu_token(emu_server), body).json()
    assert result["result"] == {"suggest": "review", "label": 10001}


# --- faults, calls, control ---


def test_injected_fault_is_returned_once_then_normal(emu, emu_wechat):
    emu.inject_fault("/sns/jscode2session", errcode=-1)
    code = emu.mint_login_code()["code"]
    assert emu_errcode(emu_wechat.wxa.code_to_session, code) == -1
    assert emu_wechat.wxa.code_to_session(code)["openid"]  # the fault did not consume the code


def test_faults_play_in_order_and_can_repeat(emu, emu_wechat):
    emu.inject_fault("sns/jscode2session", errcode=45011, times=2)
    emu.inject_fault("sns/jscode2session", errcode=40226)
    codes = [emu_errcode(emu_wechat.wxa.code_to_session, "x") for _ in range(4)]
    assert codes == [45011, 45011, 40226, 40029]


def test_http_status_fault_answers_html(emu, emu_wechat):
    emu.inject_fault("/wxa/getwxacodeunlimit", http_status=502)
    with pytest.raises(WeChatClientException) as info:
        emu_wechat.wxa.get_wxa_code_unlimited("a=1")
    assert info.value.errcode is None and info.value.response.status_code == 502
    assert "text/html" in info.value.response.headers["Content-Type"]


def test_delay_fault_trips_client_timeout(emu_server, emu):
    emu.inject_fault("/cgi-bin/token", delay=0.5)
    with pytest.raises(requests.Timeout):
        requests.get(f"{emu_server.url}/cgi-bin/token", timeout=0.1,
                     params={"grant_type": "client_credential", "appid": APPID, "secret": SECRET})


def test_calls_are_recorded_in_order_without_control_calls(emu, emu_wechat):
    emu_wechat.wxa.code_to_session(emu.mint_login_code()["code"])
    assert [(c["method"], c["path"]) for c in emu.calls()] == [("GET", "/cgi-bin/token"),
                                                               ("GET", "/sns/jscode2session")]


def test_unknown_path_is_404_and_wrong_method_is_43002(emu_server, emu):
    assert requests.get(f"{emu_server.url}/cgi-bin/nothing", timeout=5).status_code == 404
    res = requests.get(f"{emu_server.url}/wxa/msg_sec_check", timeout=5)
    assert res.status_code == 200 and res.json()["errcode"] == 43002


def test_control_endpoints_validate_input(emu):
    with pytest.raises(EmulatorError):
        emu.inject_fault("/cgi-bin/typo", errcode=-1)
    with pytest.raises(EmulatorError):
        emu.accept_subscription("oSomeone", "tmpl-unknown")


def test_reset_forgets_everything(emu, emu_wechat, emu_user):
    emu.accept_subscription(emu_user, TEMPLATE)
    emu.advance_clock(1000)
    emu.reset()
    assert emu.calls() == [] and emu.subscriptions() == []
    assert emu_errcode(emu_wechat.wxa.get_wxa_code_unlimited, "a=1") == 40001  # old token forgotten


def test_emulators_do_not_share_state(emu, emu_wechat):
    with EmulatorServer(APPID, SECRET) as other:
        code = EmulatorClient(other.url).mint_login_code()["code"]
    assert emu_errcode(emu_wechat.wxa.code_to_session, code) == 40029


def test_command_line_serves_in_foreground():
    script = Path(__file__).resolve().parent.parent / "scripts" / "wechat_emulator.py"
    with subprocess.Popen([sys.executable, str(script), "--port", "0", "--appid", "wxcli"],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as proc:
        try:
            url = proc.stdout.readline().split()[-1]
            assert url.startswith("http://127.0.0.1:")
            assert EmulatorClient(url).status()["appid"] == "wxcli"
        finally:
            proc.terminate()
