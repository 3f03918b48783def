"""The only code that talks to WeChat: wechatpy 1.8.18 behind one adapter, with typed errors.

- Every call, the token fetch included, goes to `WECHAT_API_BASE_URL` (the real API, or the
  emulator in `scripts/` for tests and local runs).
- The access token is shared by all processes through Redis (wechatpy's `RedisStorage`) and
  fetched with `cgi-bin/stable_token`, which in normal mode returns the same token to every
  caller, so several workers never invalidate each other's token.
- wechatpy's own retry on token errors is unbounded; it is switched off, and a token error is
  retried here exactly once after one refetch.
- Timeouts are always set; connection errors, timeouts and errcode -1 become `WeChatUnavailable`.
- The subscribe send, the one call made thousands of times a minute (the scheduler's reminders), is
  posted over urllib3 (`WeChatService._post_subscribe`), without wechatpy and requests around it, with
  the token read from Redis at most once a minute (`WeChatService._send_token`); a failed send says
  whether WeChat may have received it (`WeChatError.may_have_arrived`).
"""

import json
import logging
import os
import time
from typing import NamedTuple
from urllib.parse import quote, urlsplit

import certifi
import requests
import urllib3
from flask import current_app
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.redisstorage import RedisStorage

from server.errors import DomainError

log = logging.getLogger(__name__)

TOKEN_ERRCODES = {40001, 40014, 42001}
# Refresh this long before WeChat's expiry; stable_token hands out the next token in the last 5 minutes.
TOKEN_EARLY_REFRESH_SECONDS = 300
# A sending thread reads the shared token from Redis at most this often (far below the 300 s above).
TOKEN_MEMO_SECONDS = 60
SUBSCRIBE_SEND = "cgi-bin/message/subscribe/send"
SUBSCRIBE_REJECTED = {40003, 40037, 43101, 47003, 41030}


class WeChatError(DomainError):
    """WeChat answered with an error, or could not be reached. `errcode` is WeChat's (None: no answer).

    `may_have_arrived`: the request may have reached WeChat and been carried out although no answer
    says so (a read timeout, a connection dropped after the request was written, an HTTP 5xx, an
    unreadable answer). False when WeChat answered an errcode or the request never left.
    Each subclass names its id; the status and message come from `server.errors.CATALOGUE`.
    """

    error = "wechat_unavailable"

    def __init__(self, errcode=None, errmsg=None, *, may_have_arrived=False, **kwargs):
        self.errcode = errcode
        self.errmsg = errmsg
        self.may_have_arrived = may_have_arrived
        super().__init__(**kwargs)

    def __str__(self):
        return f"{self.error} (errcode={self.errcode}, errmsg={self.errmsg})"


class WeChatUnavailable(WeChatError):
    """Timeout, connection error, HTTP error, errcode -1, or any errcode we cannot act on."""


class WeChatCodeInvalid(WeChatError):
    """A `wx.login` code that WeChat does not know, that expired, or that was used (40029, 40163)."""

    error = "wechat_code_invalid"


class WeChatPhoneCodeInvalid(WeChatError):
    """A getPhoneNumber code that WeChat does not know, that expired or was used (40029)."""

    error = "phone_code_invalid"


class WeChatRateLimited(WeChatError):
    """WeChat's per-minute or daily quota (45011, 45009)."""

    error = "wechat_rate_limited"


class WeChatLoginBlocked(WeChatError):
    """WeChat blocked this user's login as high-risk (40226)."""

    error = "wechat_login_blocked"


class WeChatRejected(WeChatError):
    """WeChat refused the request itself (e.g. 43101 no subscription credit, 47003 bad value)."""

    error = "wechat_rejected"


def _raise_for(errcode, errmsg, code_error=WeChatCodeInvalid, rejected=()):
    """Map a WeChat errcode to our typed error."""
    if errcode in (45009, 45011):
        raise WeChatRateLimited(errcode, errmsg)
    if errcode in (40029, 40163) and code_error:
        raise code_error(errcode, errmsg)
    if errcode == 40226:
        raise WeChatLoginBlocked(errcode, errmsg)
    if errcode in rejected:
        raise WeChatRejected(errcode, errmsg)
    raise WeChatUnavailable(errcode, errmsg)


def _path_of(exc):
    """The WeChat API path of a failed call, for logs: never its query (access_token, secret, js_code)."""
    for part in (getattr(exc, "response", None), getattr(exc, "request", None)):
        url = getattr(part, "url", None)
        if url:
            return urlsplit(url).path
    return "?"


class _Client(WeChatClient):
    """wechatpy's client with a configurable base URL and a stable_token fetch with a timeout."""

    def __init__(self, appid, secret, base_url, session, timeout):
        super().__init__(appid, secret, session=session, timeout=timeout, auto_retry=False)
        self.base_url = base_url.rstrip("/") + "/"
        self.API_BASE_URL = self.base_url + "cgi-bin/"
        # The wxa API group has its own class-level base URL (docs/wechat.md, "wechatpy").
        self.wxa.API_BASE_URL = self.base_url
        # Every call goes to this one host, so what requests takes from the environment (proxies
        # with NO_PROXY, a CA bundle) is read once here; requests would otherwise read it again on
        # every call, which was a fifth of the scheduler's CPU per reminder.
        # `proxies` and `verify` are kept here too for the subscribe sends (`_pool_manager`).
        self.proxies = requests.utils.get_environ_proxies(self.base_url)
        self.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        self._http.proxies, self._http.verify, self._http.trust_env = self.proxies, self.verify, False

    def fetch_access_token(self):
        res = self._http.post(
            self.base_url + "cgi-bin/stable_token",
            data=json.dumps(
                {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret, "force_refresh": False}
            ),
            timeout=self.timeout,
        )
        try:
            res.raise_for_status()
            result = res.json()
        except (requests.RequestException, ValueError) as exc:
            raise WeChatClientException(errcode=None, errmsg=str(exc), client=self, response=res) from exc
        if result.get("errcode"):
            raise WeChatClientException(result["errcode"], result.get("errmsg"), client=self, response=res)
        expires_in = int(result.get("expires_in", 7200))
        ttl = max(expires_in - TOKEN_EARLY_REFRESH_SECONDS, 60)
        self.session.set(self.access_token_key, result["access_token"], ttl)
        self.expires_at = int(time.time()) + ttl
        log.info("wechat access token refreshed (stable_token), kept for %ss", ttl)
        return result

    def forget_access_token(self):
        self.session.delete(self.access_token_key)
        self.expires_at = None


class TextVerdict(NamedTuple):
    """msgSecCheck's answer: `suggest` (pass, review, risky), WeChat's `label`, and its `trace_id`."""

    suggest: str
    label: int | None
    trace_id: str | None


class WeChatService:
    """What the server needs from WeChat, as plain methods that return data or raise `WeChatError`."""

    def __init__(self, appid, secret, base_url, redis_client, timeout):
        self.appid = appid
        self.client = _Client(appid, secret, base_url, RedisStorage(redis_client, prefix="wechatpy"), timeout)
        self._send_url = self.client.base_url + SUBSCRIBE_SEND + "?access_token="
        self._send_timeout = urllib3.Timeout(connect=timeout, read=timeout)
        self._sends = None  # urllib3 pool manager of the subscribe sends, made on first use
        self._token_memo = (None, 0.0)  # (token, monotonic time it was read)

    def reread_token(self):
        """Forget the token remembered for sends (Redis keeps it): the next send reads Redis again. The
        scheduler's sending threads call it as they start on a batch."""
        self._token_memo = (None, 0.0)

    def _forget_token(self):
        """A token error: forget the token, here and in Redis, so the next call fetches it again."""
        self.reread_token()
        self.client.forget_access_token()

    def _call(self, fn, **raise_kwargs):
        """Run one wechatpy call; on a token error refetch the token and retry exactly once."""
        for attempt in (1, 2):
            try:
                return fn()
            except WeChatClientException as exc:
                self._refused(_path_of(exc), exc.errcode, exc.errmsg, attempt, **raise_kwargs)
            except requests.RequestException as exc:
                # Timeouts and connection errors; wechatpy lets these through unwrapped.
                log.warning("wechat %s unreachable: %s", _path_of(exc), type(exc).__name__)
                raise WeChatUnavailable(None, f"{type(exc).__name__}: {exc}") from exc

    def _refused(self, path, errcode, errmsg, attempt, **raise_kwargs):
        """WeChat refused a call to `path` with `errcode` (None: an HTTP error): log it; on attempt 1's
        token error forget the token and return (the caller makes its one retry), else raise our
        typed error (`_raise_for`)."""
        log.warning("wechat %s errcode=%s errmsg=%s", path, errcode, errmsg)
        if errcode in TOKEN_ERRCODES and attempt == 1:
            log.info("wechat access token rejected (errcode=%s), refetching once", errcode)
            self._forget_token()
            return
        if errcode is None:
            raise WeChatUnavailable(None, errmsg or "HTTP error")
        _raise_for(errcode, errmsg, **raise_kwargs)

    def code_to_session(self, js_code):
        """Exchange a `wx.login` code: `{openid, session_key, unionid?}`.

        Raises WeChatCodeInvalid (40029, 40163), WeChatRateLimited (45011), WeChatLoginBlocked (40226),
        WeChatUnavailable.
        """
        result = self._call(lambda: self.client.wxa.code_to_session(js_code))
        if not result.get("openid") or not result.get("session_key"):
            raise WeChatUnavailable(None, "jscode2session answered without openid")
        return {"openid": result["openid"], "session_key": result["session_key"], "unionid": result.get("unionid")}

    def get_phone_number(self, code):
        """Exchange a getPhoneNumber code: `{phone, country_code}` (the number without country code).

        Raises WeChatPhoneCodeInvalid (40029), WeChatRateLimited, WeChatUnavailable.
        """
        result = self._call(
            lambda: self.client.post(self.client.base_url + "wxa/business/getuserphonenumber", data={"code": code}),
            code_error=WeChatPhoneCodeInvalid,
        )
        info = result.get("phone_info") or {}
        if not info.get("purePhoneNumber"):
            raise WeChatUnavailable(None, "getuserphonenumber answered without a number")
        return {"phone": info["purePhoneNumber"], "country_code": str(info.get("countryCode", ""))}

    def send_subscribe_message(self, openid, template_id, data, page=None, miniprogram_state=None, lang="zh_CN"):
        """Send one subscribe message; returns WeChat's msgid.

        `data` is `{field: value}`; values must already fit the field type limits. On a token error
        the token is fetched again and the message sent once more (WeChat refused the first: not sent).
        Raises WeChatRejected (40003, 40037, 43101, 47003, 41030), WeChatRateLimited, WeChatUnavailable;
        each says whether the message may have reached WeChat (`may_have_arrived`).
        """
        body = {
            "touser": openid,
            "template_id": template_id,
            "data": {key: {"value": value} for key, value in data.items()},
            "lang": lang,
        }
        if page:
            body["page"] = page
        if miniprogram_state:
            body["miniprogram_state"] = miniprogram_state
        # As wechatpy sends a body: UTF-8, Chinese unescaped.
        encoded = json.dumps(body, ensure_ascii=False).encode("utf-8")
        for attempt in (1, 2):
            answer = self._post_subscribe(self._send_token(), encoded)
            errcode, errmsg = answer.get("errcode") or 0, answer.get("errmsg")
            if not errcode:
                return answer.get("msgid")
            self._refused("/" + SUBSCRIBE_SEND, errcode, errmsg, attempt, code_error=None, rejected=SUBSCRIBE_REJECTED)

    def _send_token(self):
        """The access token for a subscribe send, read from Redis (fetched when missing, `_call`) at most
        every TOKEN_MEMO_SECONDS, and again after `reread_token`.

        Invariant: a remembered token is never used more than TOKEN_MEMO_SECONDS after Redis held it,
        and Redis drops it TOKEN_EARLY_REFRESH_SECONDS (more) before WeChat's expiry, so no send goes
        out with a token past its expiry; a token WeChat rejects is forgotten at once (`_forget_token`)
        (tests/test_wechat_adapter.py). A failure to get one raises before anything is sent.
        """
        token, read_at = self._token_memo
        now = time.monotonic()
        if token is None or now - read_at >= TOKEN_MEMO_SECONDS:
            token = self._call(lambda: self.client.access_token)
            self._token_memo = (token, now)
        return token

    def _post_subscribe(self, token, encoded):
        """POST one encoded subscribe message with urllib3 (a pool per service, kept alive, never
        retried: `retries=False`); returns WeChat's JSON answer (a dict), errcode included.

        Invariant: a failure raises `WeChatUnavailable` with `may_have_arrived` False only when the
        request cannot have reached WeChat (the connection could not be opened: refused, or timed out
        while connecting) or WeChat refused it (HTTP 4xx); a read timeout, a connection dropped
        after the request was written, an HTTP 5xx or an answer that is not a JSON object give True
        (tests/test_dispatch.py: a timed-out send, HTTP errors, a send that never left).
        """
        if self._sends is None:
            self._sends = _pool_manager(self.client.base_url, self.client.proxies, self.client.verify)
        try:
            response = self._sends.request(
                "POST", self._send_url + quote(token, safe=""), body=encoded,
                headers={"Content-Type": "application/json"}, timeout=self._send_timeout,
                retries=False, redirect=False,
            )
        except urllib3.exceptions.ConnectTimeoutError as exc:  # NewConnectionError (refused) is one too
            log.warning("wechat /%s unreachable: %s", SUBSCRIBE_SEND, type(exc).__name__)
            raise WeChatUnavailable(None, f"{type(exc).__name__}: {exc}") from exc
        except urllib3.exceptions.HTTPError as exc:  # read timeout, connection dropped, ...: sent, maybe received
            log.warning("wechat /%s no answer: %s", SUBSCRIBE_SEND, type(exc).__name__)
            raise WeChatUnavailable(None, f"{type(exc).__name__}: {exc}", may_have_arrived=True) from exc
        if response.status >= 300:
            log.warning("wechat /%s HTTP %s", SUBSCRIBE_SEND, response.status)
            # A 5xx may come from a gateway between us and WeChat after WeChat took the message.
            raise WeChatUnavailable(None, f"HTTP {response.status}", may_have_arrived=response.status >= 500)
        try:
            answer = json.loads(response.data)
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or not isinstance(answer.get("errcode") or 0, int):
            raise WeChatUnavailable(None, "unreadable answer", may_have_arrived=True)
        return answer

    def get_unlimited_code(self, scene, page, env_version="release", check_path=None, width=430):
        """A mini-program code image (JPEG bytes) that opens `page` with `scene` (≤ 32 characters).

        Raises WeChatRejected (40169, 40129, 41030, 40097), WeChatRateLimited, WeChatUnavailable.
        """
        body = {"scene": scene, "page": page, "env_version": env_version, "width": width}
        # Only a released version can be checked for the page; trial and develop builds cannot.
        body["check_path"] = (env_version == "release") if check_path is None else check_path
        result = self._call(
            lambda: self.client.post(self.client.base_url + "wxa/getwxacodeunlimit", data=body),
            code_error=None,
            rejected={40169, 40129, 41030, 40097},
        )
        if isinstance(result, requests.Response):
            return result.content
        raise WeChatUnavailable(None, "getwxacodeunlimit answered without an image")

    def check_text(self, openid, content, scene):
        """msgSecCheck v2 on text `openid` wrote: a `TextVerdict` (`suggest` pass, review or risky).

        `scene`: 1 profile, 2 comment, 3 forum, 4 social log; `content` at most 2500 characters.
        A risky text is an answer (errcode 0), not an error. Raises WeChatRejected (40003 unknown
        openid, 40129 bad scene, 61010 no recent visit by the openid), WeChatRateLimited,
        WeChatUnavailable (also for an answer without a verdict).
        """
        result = self._call(
            lambda: self.client.post(
                self.client.base_url + "wxa/msg_sec_check",
                data={"version": 2, "openid": openid, "scene": scene, "content": content},
            ),
            code_error=None,
            rejected={40003, 40129, 61010},
        )
        verdict = result.get("result") if isinstance(result, dict) else None
        if not isinstance(verdict, dict) or verdict.get("suggest") not in ("pass", "review", "risky"):
            raise WeChatUnavailable(None, "msg_sec_check answered without a verdict")
        return TextVerdict(verdict["suggest"], verdict.get("label"), result.get("trace_id"))


def _pool_manager(base_url, proxies, verify):
    """The urllib3 pool manager the subscribe sends go through, with what requests uses for the other
    calls (`_Client`): the environment's proxy for WeChat's host and the CA bundle."""
    bundle = verify if isinstance(verify, str) else certifi.where()
    # As requests does: a REQUESTS_CA_BUNDLE (or CURL_CA_BUNDLE) may name a file or a directory.
    tls = {"cert_reqs": "CERT_REQUIRED", ("ca_cert_dir" if os.path.isdir(bundle) else "ca_certs"): bundle}
    proxy = proxies.get(urlsplit(base_url).scheme)
    if not proxy:
        return urllib3.PoolManager(**tls)
    user, password = requests.utils.get_auth_from_url(proxy)
    headers = urllib3.make_headers(proxy_basic_auth=f"{user}:{password}") if user else None
    return urllib3.ProxyManager(proxy, proxy_headers=headers, **tls)


def new_service(app):
    """A WeChatService with the app's settings and its own HTTP session. One requests session is not
    documented as safe to share between threads, so a thread that sends in parallel (the scheduler's
    senders, services.dispatch) makes its own; the access token is still shared through Redis."""
    return WeChatService(
        appid=app.config["WECHAT_APPID"],
        secret=app.config["WECHAT_SECRET"],
        base_url=app.config["WECHAT_API_BASE_URL"],
        redis_client=app.extensions["redis"],
        timeout=app.config["WECHAT_TIMEOUT_SECONDS"],
    )


def init_app(app):
    """Needs the Redis extension initialised first (the token is shared through it)."""
    app.extensions["wechat"] = new_service(app)


def wechat():
    """The current app's WeChatService."""
    return current_app.extensions["wechat"]
