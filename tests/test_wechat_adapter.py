"""The WeChat adapter against the emulator over HTTP: base URL, shared token, bounded token retry."""

import pytest

from server.wechat import WeChatService, WeChatUnavailable, WeChatRejected


@pytest.fixture
def service(clean_app):
    with clean_app.app_context():
        yield clean_app.extensions["wechat"]


def token_fetches(emulator):
    return [c for c in emulator.calls() if c["path"] in ("/cgi-bin/token", "/cgi-bin/stable_token")]


def test_every_call_goes_to_the_configured_base_url(service, emulator):
    code = emulator.mint_login_code(openid="o-base")["code"]
    assert service.code_to_session(code)["openid"] == "o-base"
    paths = [c["path"] for c in emulator.calls()]
    assert paths == ["/cgi-bin/stable_token", "/sns/jscode2session"]


def test_access_token_is_shared_through_redis(service, emulator, clean_app):
    other_process = WeChatService(
        clean_app.config["WECHAT_APPID"],
        clean_app.config["WECHAT_SECRET"],
        clean_app.config["WECHAT_API_BASE_URL"],
        clean_app.extensions["redis"],
        2,
    )
    for wechat in (service, other_process, service, other_process):
        wechat.code_to_session(emulator.mint_login_code()["code"])
    assert len(token_fetches(emulator)) == 1


def test_invalidated_token_is_refetched_once_and_call_succeeds(service, emulator):
    service.code_to_session(emulator.mint_login_code()["code"])
    emulator.invalidate_tokens()
    code = emulator.mint_phone_code("13700001111")["code"]
    assert service.get_phone_number(code)["phone"] == "13700001111"
    assert len(token_fetches(emulator)) == 2


def test_token_error_that_persists_is_not_retried_forever(service, emulator):
    service.code_to_session(emulator.mint_login_code()["code"])
    path = "/wxa/business/getuserphonenumber"
    emulator.inject_fault(path, errcode=40001, times=50)
    with pytest.raises(WeChatUnavailable) as raised:
        service.get_phone_number("whatever")
    assert raised.value.errcode == 40001
    assert len([c for c in emulator.calls() if c["path"] == path]) == 2
    assert len(token_fetches(emulator)) == 2


def test_subscribe_send_without_credit_is_rejected_with_errcode(service, emulator):
    openid = emulator.mint_login_code()["openid"]
    with pytest.raises(WeChatRejected) as raised:
        service.send_subscribe_message(openid, "tmpl-activity-reminder", {"thing1": "党课"})
    assert raised.value.errcode == 43101


def test_subscribe_send_with_credit_is_received(service, emulator):
    openid = emulator.mint_login_code()["openid"]
    emulator.accept_subscription(openid, "tmpl-activity-reminder")
    msgid = service.send_subscribe_message(openid, "tmpl-activity-reminder", {"thing1": "青年学堂"}, page="pages/index/index")
    assert msgid
    [message] = emulator.messages()
    assert message["data"] == {"thing1": {"value": "青年学堂"}}
    assert message["touser"] == openid


SEND = "/cgi-bin/message/subscribe/send"


def another_process(app):
    """A WeChatService as another process (or a scheduler's sending thread) has: nothing remembered."""
    config = app.config
    return WeChatService(config["WECHAT_APPID"], config["WECHAT_SECRET"], config["WECHAT_API_BASE_URL"],
                         app.extensions["redis"], 2)


def test_sends_share_a_remembered_token_and_forget_a_rejected_one_at_once(emulator, clean_app):
    """`WeChatService._send_token`: sends reuse the token they read; the one WeChat rejects is forgotten
    at once, the send made again once with a fresh one, and the sends after it use that one."""
    service = another_process(clean_app)
    openid = emulator.mint_login_code()["openid"]
    emulator.accept_subscription(openid, "tmpl-activity-reminder", count=3)
    service.send_subscribe_message(openid, "tmpl-activity-reminder", {"thing1": "第一条"})
    emulator.invalidate_tokens()
    service.send_subscribe_message(openid, "tmpl-activity-reminder", {"thing1": "第二条"})
    service.send_subscribe_message(openid, "tmpl-activity-reminder", {"thing1": "第三条"})
    tokens = [call["query"]["access_token"] for call in emulator.calls(SEND)]
    assert len(tokens) == 4  # the second message was refused once (40001) and sent again
    assert tokens[0] == tokens[1] != tokens[2] == tokens[3]
    assert len(token_fetches(emulator)) == 2
    assert [m["data"]["thing1"]["value"] for m in emulator.messages()] == ["第一条", "第二条", "第三条"]


def test_a_send_after_the_memo_ran_out_uses_the_token_redis_holds_now(emulator, clean_app, monkeypatch):
    """Another process had the shared token rejected and fetched the next one into Redis: once our
    remembered token is TOKEN_MEMO_SECONDS old, a send reads Redis again and goes out with the new one,
    without a refusal or a fetch of its own."""
    service = another_process(clean_app)
    openid = emulator.mint_login_code()["openid"]
    emulator.accept_subscription(openid, "tmpl-activity-reminder", count=2)
    service.send_subscribe_message(openid, "tmpl-activity-reminder", {"thing1": "第一条"})
    emulator.invalidate_tokens()
    another_process(clean_app).get_phone_number(emulator.mint_phone_code("13700001111")["code"])  # 40001, then a new token
    assert len(token_fetches(emulator)) == 2
    monkeypatch.setattr("server.wechat.TOKEN_MEMO_SECONDS", 0)
    service.send_subscribe_message(openid, "tmpl-activity-reminder", {"thing1": "第二条"})
    first, second = emulator.calls(SEND)
    assert first["query"]["access_token"] != second["query"]["access_token"]
    assert len(token_fetches(emulator)) == 2
    assert len(emulator.messages()) == 2


def test_unlimited_code_is_image_bytes(service):
    image = service.get_unlimited_code("a=1&t=abc", "pages/checkin/index", env_version="develop")
    assert image[:2] == b"\xff\xd8"


def test_unlimited_code_with_long_scene_is_rejected(service):
    with pytest.raises(WeChatRejected) as raised:
        service.get_unlimited_code("x" * 33, "pages/checkin/index", env_version="develop")
    assert raised.value.errcode == 40169


def test_text_check_passes_clean_text(service, emulator):
    openid = emulator.mint_login_code()["openid"]
    service.code_to_session(emulator.mint_login_code(openid=openid)["code"])
    verdict = service.check_text(openid, "周六上午党课", 3)
    assert (verdict.suggest, verdict.label) == ("pass", 100)
    assert verdict.trace_id


def test_text_check_answers_risky_and_review_as_verdicts(service, emulator):
    openid = emulator.mint_login_code()["openid"]
    service.code_to_session(emulator.mint_login_code(openid=openid)["code"])
    emulator.mark_text("违禁", "risky", 20006)
    emulator.mark_text("广告", "review", 10001)
    assert service.check_text(openid, "这里有违禁内容", 2)[:2] == ("risky", 20006)
    assert service.check_text(openid, "广告位招租", 1)[:2] == ("review", 10001)


def test_text_check_of_an_openid_without_a_recent_visit_is_rejected(service, emulator):
    emulator.mark_active("o-never-logged-in")
    emulator.advance_clock(3 * 3600)
    with pytest.raises(WeChatRejected) as raised:
        service.check_text("o-never-logged-in", "周六上午党课", 2)
    assert raised.value.errcode == 61010


def test_sends_go_through_the_environments_proxy_as_the_other_calls_do(emulator, emulator_server, clean_app,
                                                                         monkeypatch):
    """`_pool_manager`: with HTTP_PROXY set (and WeChat's host not in NO_PROXY) the subscribe send goes
    through that proxy as requests sends the token fetch. The emulator stands in for the proxy here: a
    request for WeChat's unresolvable host reaches it only through the proxy."""
    for name in ("NO_PROXY", "no_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", emulator_server.url.replace("http://", "http://proxy-user:secret@"))
    service = WeChatService(clean_app.config["WECHAT_APPID"], clean_app.config["WECHAT_SECRET"],
                            "http://api.weixin.invalid", clean_app.extensions["redis"], 2)
    openid = emulator.mint_login_code()["openid"]
    emulator.accept_subscription(openid, "tmpl-activity-reminder")
    assert service.send_subscribe_message(openid, "tmpl-activity-reminder", {"thing1": "代理"})
    assert [call["path"] for call in emulator.calls()] == ["/cgi-bin/stable_token", SEND]
