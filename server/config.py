"""Settings from the environment (and `.env` through python-dotenv).

Every setting is listed and explained in `.env.example`. `load_settings()` reads
them once per app; `create_app(config)` lets tests override any of them.
"""

import os

from dotenv import load_dotenv


# Signs login tokens. Fine for `scripts/run` on a laptop; production must set its own.
DEV_SECRET_KEY = "dev-only-insecure-secret-key-set-SECRET_KEY-in-production"
# The demo mini-program credentials: they only work against the WeChat emulator.
DEMO_WECHAT_APPID = "wx0000000000demo"
DEMO_WECHAT_SECRET = "demo-secret"

APP_ENVS = ("development", "production")
LOG_FORMATS = ("text", "json")
HOURS_ROUNDINGS = ("down", "nearest", "up")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


TEMPLATE_KEYS = (
    "activity_reminder", "shift_reminder", "waitlist_promoted", "cancelled_by_organizer", "schedule_changed",
    "notice", "signup_result", "shift_swap", "shift_vacancy",
)

# Which of our values fills which field of each subscribe template ("field=value,..."). Field names
# (thing1, time2 ...) come from the template chosen in the WeChat console; the prefix is the field's
# type, and every value is fitted to that type's limits before sending. Values: title, starts_at,
# period, venue, site, post (a shift's 岗位; `role` is read as post), address, reason, status, tip;
# for `notice`: text (the organizer's notice, up to 60 characters), text_1, text_2, text_3 (its three
# 20-character parts, one `thing` field each; see services/notices.py). `signup_result` (a lottery's
# outcome, a place offered to claim, an approval decision) fills `status` (中签, 未中签, 待确认 ...)
# and `tip` (the claim deadline, a rejection's reason) from what its sender puts in the payload.
# `shift_swap` (换班: an offer named to you, your booking taken, a claim approved or rejected) fills
# `status` (换班邀请, 已接班, 待审核, 未通过 ...) and `tip` the same way; {swap_id} opens the swap.
DEFAULT_TEMPLATE_FIELDS = {
    "activity_reminder": "thing1=title,time2=starts_at,thing3=venue,thing4=tip",
    "shift_reminder": "thing1=site,thing2=post,time3=period,thing4=address,thing5=tip",
    "waitlist_promoted": "thing1=title,time2=starts_at,phrase3=status,thing4=tip",
    "cancelled_by_organizer": "thing1=title,time2=starts_at,thing3=reason",
    "schedule_changed": "thing1=title,time2=period,thing3=venue,thing4=tip",
    "notice": "thing1=title,thing2=text_1,thing3=text_2,thing4=text_3,time5=starts_at",
    "signup_result": "thing1=title,time2=starts_at,phrase3=status,thing4=tip",
    "shift_swap": "thing1=title,time2=period,phrase3=status,thing4=tip",
    "shift_vacancy": "thing1=site,thing2=post,time3=period,thing4=tip",
}
# The mini-program page a message card opens; {activity_id} and {shift_id} are filled in.
DEFAULT_TEMPLATE_PAGES = {
    "activity_reminder": "pages/activity-detail/index?id={activity_id}",
    "shift_reminder": "pages/my-shifts/index",
    "waitlist_promoted": "pages/activity-detail/index?id={activity_id}",
    "cancelled_by_organizer": "pages/mine/index",
    "schedule_changed": "pages/mine/index",
    "notice": "pages/activity-detail/index?id={activity_id}",
    "signup_result": "pages/activity-detail/index?id={activity_id}",
    "shift_swap": "pages/swap/index?id={swap_id}",
    "shift_vacancy": "pages/shifts/index?shift_id={shift_id}&site_id={site_id}&date={date}",
}


def _template_settings():
    settings = {}
    for key in TEMPLATE_KEYS:
        env = f"WECHAT_TEMPLATE_{key.upper()}"
        settings[env] = _str(env, "tmpl-" + key.replace("_", "-"))
        settings[env + "_FIELDS"] = _str(env + "_FIELDS", DEFAULT_TEMPLATE_FIELDS[key])
        settings[env + "_PAGE"] = _str(env + "_PAGE", DEFAULT_TEMPLATE_PAGES[key])
    return settings


class UnsafeSettings(RuntimeError):
    """The service refuses to start: every problem found, each naming its setting and the fix."""

    def __init__(self, problems, app_env):
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(
            f"refusing to start with APP_ENV={app_env}: {len(problems)} setting(s) to fix "
            f"(see .env.example and README.md, 'Production'):\n{lines}"
        )


def _is_sqlite(url):
    return not url or url.startswith("sqlite")


def check_settings(config):
    """Refuse to start with settings that would be unsafe or broken: raises UnsafeSettings listing
    every problem at once. Outside `APP_ENV=development` the development defaults are refused: they are
    public (in this repository) or work for one process only."""
    problems = []
    app_env = config.get("APP_ENV")
    if app_env not in APP_ENVS:
        problems.append(f"APP_ENV={app_env!r} is not one of {', '.join(APP_ENVS)}")
    if len(config["SECRET_KEY"]) < 32:
        problems.append("SECRET_KEY must be at least 32 characters (it signs login tokens with HMAC-SHA256)")
    if config.get("TRUSTED_PROXIES", 0) < 0:
        problems.append("TRUSTED_PROXIES must be 0 or more (how many reverse proxies stand before the service)")
    if config.get("LOG_FORMAT") not in LOG_FORMATS:
        problems.append(f"LOG_FORMAT={config.get('LOG_FORMAT')!r} is not one of {', '.join(LOG_FORMATS)}")
    if config.get("LOG_LEVEL") not in LOG_LEVELS:
        problems.append(f"LOG_LEVEL={config.get('LOG_LEVEL')!r} is not one of {', '.join(LOG_LEVELS)}")
    for name in ("RETENTION_DAYS", "AUDIT_RETENTION_DAYS"):
        if config.get(name, 1095) < 30:
            problems.append(f"{name} must be at least 30 (days); the default is 1095 (three years)")
    if not 0 <= config.get("RETENTION_PURGE_HOUR_UTC", 19) <= 23:
        problems.append("RETENTION_PURGE_HOUR_UTC must be an hour from 0 to 23")
    if config.get("METRICS_TOKEN") and len(config["METRICS_TOKEN"]) < 32:
        problems.append("METRICS_TOKEN must be at least 32 characters, e.g. the output of `openssl rand -hex 32`")
    if not 1 <= config.get("CONSOLE_SESSION_HOURS", 8) <= 24 * 30:
        problems.append("CONSOLE_SESSION_HOURS must be from 1 to 720 (hours without a request before a console session ends)")
    if not 1 <= config.get("OFFLINE_CHECKIN_MAX_HOURS", 24) <= 24 * 7:
        problems.append("OFFLINE_CHECKIN_MAX_HOURS must be from 1 to 168 (hours an offline check-in may wait for upload)")
    if not 0 <= config.get("SWAP_APPROVAL_HOURS", 24) <= 24 * 14:
        problems.append(
            "SWAP_APPROVAL_HOURS must be from 0 to 336 (hours before a shift within which a swap needs an "
            "organizer's approval; 0: never)"
        )
    if not 10 <= config.get("CHECKIN_MAX_ACCURACY_M", 100) <= 1000:
        problems.append("CHECKIN_MAX_ACCURACY_M must be from 10 to 1000 (metres of location uncertainty a self check-in allows)")
    if not 1 <= config.get("HOURS_ROUNDING_UNIT_MINUTES", 1) <= 240:
        problems.append("HOURS_ROUNDING_UNIT_MINUTES must be from 1 to 240 (credited minutes are a multiple of it)")
    if config.get("HOURS_ROUNDING", "down") not in HOURS_ROUNDINGS:
        problems.append(f"HOURS_ROUNDING={config.get('HOURS_ROUNDING')!r} is not one of {', '.join(HOURS_ROUNDINGS)}")
    if not 0 <= config.get("HOURS_MINIMUM_MINUTES", 0) <= 24 * 60:
        problems.append("HOURS_MINIMUM_MINUTES must be from 0 to 1440 (a shift credited less counts 0)")
    if not 0 <= config.get("HOURS_CAP_MINUTES", 0) <= 24 * 60:
        problems.append("HOURS_CAP_MINUTES must be from 0 (no cap) to 1440 (most minutes credited for one shift)")
    if config.get("OUTBOX_MAX_LAG_SECONDS", 1) < 1:
        problems.append("OUTBOX_MAX_LAG_SECONDS must be 1 or more")
    leads = config.get("VACANCY_ALERT_LEADS_MINUTES", [])
    if leads is None or any(not 1 <= lead <= 7 * 24 * 60 for lead in leads) or len(set(leads)) != len(leads):
        problems.append(
            "VACANCY_ALERT_LEADS_MINUTES must be distinct whole minutes from 1 to 10080, comma-separated "
            "(e.g. 1440,180), or empty for no vacancy alerts"
        )
    if not 1 <= config.get("VACANCY_ALERT_FACTOR", 3) <= 20:
        problems.append("VACANCY_ALERT_FACTOR must be from 1 to 20 (people alerted per missing place)")
    public_base_url = config.get("PUBLIC_BASE_URL")
    if public_base_url and not public_base_url.startswith(("https://", "http://")):
        problems.append("PUBLIC_BASE_URL must be an absolute URL such as https://volunteer.example.org")
    if app_env != "development":
        if config["SECRET_KEY"] == DEV_SECRET_KEY:
            problems.append(
                "SECRET_KEY is the development key published in this repository: anyone could sign login "
                "tokens. Set SECRET_KEY to a random secret, e.g. the output of "
                "`python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        if config["WECHAT_APPID"] == DEMO_WECHAT_APPID or config["WECHAT_SECRET"] == DEMO_WECHAT_SECRET:
            problems.append(
                "WECHAT_APPID / WECHAT_SECRET are the demo credentials, which only the emulator accepts. Set "
                "both to the mini-program's AppID and AppSecret (mp.weixin.qq.com > 开发管理 > 开发设置)"
            )
        if not config.get("REDIS_URL"):
            problems.append(
                "REDIS_URL is not set, so an in-process Redis substitute would be used: every process would "
                "have its own caches, rate-limit counters and WeChat access token. Set REDIS_URL, e.g. "
                "redis://127.0.0.1:6379/0"
            )
        if _is_sqlite(config.get("DATABASE_URL")):
            problems.append(
                "DATABASE_URL is not set or is SQLite: exact capacity under concurrent sign-ups and the "
                "scheduler's claims are only guaranteed on PostgreSQL. Set DATABASE_URL, e.g. "
                "postgresql://user:password@host:5432/volunteer"
            )
        if not config.get("WECHAT_API_BASE_URL", "").startswith("https://"):
            problems.append(
                f"WECHAT_API_BASE_URL={config.get('WECHAT_API_BASE_URL')!r} is not an https:// URL (the "
                "WeChat emulator speaks plain HTTP). Unset it for https://api.weixin.qq.com"
            )
        if not public_base_url or not public_base_url.startswith("https://"):
            problems.append(
                "PUBLIC_BASE_URL must be the service's public https:// address (check-in code image URLs are "
                "built from it, never from the request's Host header), e.g. https://volunteer.example.org"
            )
    if problems:
        raise UnsafeSettings(problems, app_env)


def _int(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _str(name, default=None):
    value = os.environ.get(name, "").strip()
    return value or default


def _bool(name, default=None):
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    return value in ("1", "true", "yes", "on")


def _int_list(name, default):
    value = os.environ.get(name, "").strip()
    if not value:
        return list(default)
    return [int(part) for part in value.split(",") if part.strip()]


def _minutes_list(name, default):
    """Comma-separated whole minutes; None when the text is not that (check_settings names it)."""
    value = os.environ.get(name)
    if value is None:
        return list(default)
    try:
        return [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        return None


def load_settings():
    """Return the settings as a dict of Flask config keys.

    `.env` in the working directory is loaded first; variables already in the
    environment win over it.
    """
    load_dotenv(override=False)
    return {
        # development or production (the default): outside development the development defaults are
        # refused (check_settings).
        "APP_ENV": _str("APP_ENV", "production"),
        "SECRET_KEY": _str("SECRET_KEY", DEV_SECRET_KEY),
        # None: SQLite under instance/ (resolved in create_app, where the instance path is known).
        "DATABASE_URL": _str("DATABASE_URL"),
        # None: an in-process fakeredis (one process only).
        "REDIS_URL": _str("REDIS_URL"),
        "WECHAT_APPID": _str("WECHAT_APPID", DEMO_WECHAT_APPID),
        "WECHAT_SECRET": _str("WECHAT_SECRET", DEMO_WECHAT_SECRET),
        "WECHAT_API_BASE_URL": _str("WECHAT_API_BASE_URL", "https://api.weixin.qq.com"),
        "WECHAT_TIMEOUT_SECONDS": float(_str("WECHAT_TIMEOUT_SECONDS", "5")),
        # Which mini-program version the check-in and join codes open (message cards: WECHAT_MINIPROGRAM_STATE).
        "WECHAT_ENV_VERSION": _str("WECHAT_ENV_VERSION", "release"),
        **_template_settings(),
        # developer, trial or formal: which version of the mini-program a message card opens.
        "WECHAT_MINIPROGRAM_STATE": _str("WECHAT_MINIPROGRAM_STATE", "formal"),
        "APP_TIMEZONE": _str("APP_TIMEZONE", "Asia/Shanghai"),
        # Who issues certificates of participation; unset: the community's name + 党群服务中心.
        "CERTIFICATE_ISSUER": _str("CERTIFICATE_ISSUER"),
        "TOKEN_TTL_SECONDS": _int("TOKEN_TTL_SECONDS", 7 * 24 * 3600),
        "REMINDER_LEADS_MINUTES": _int_list("REMINDER_LEADS_MINUTES", [1440, 60]),
        "SCHEDULER_TICK_SECONDS": _int("SCHEDULER_TICK_SECONDS", 30),
        # Most messages one scheduler sends per tick, and attempts before a message is given up.
        "SCHEDULER_BATCH_SIZE": _int("SCHEDULER_BATCH_SIZE", 500),
        "REMINDER_MAX_ATTEMPTS": _int("REMINDER_MAX_ATTEMPTS", 6),
        # Most shift minutes one person may hold inside ANY 24 hours (not per calendar day, despite
        # the name kept from its first release), and the least rest between two of their shifts.
        "MAX_SHIFT_MINUTES_PER_DAY": _int("MAX_SHIFT_MINUTES_PER_DAY", 600),
        "MIN_REST_MINUTES_BETWEEN_SHIFTS": _int("MIN_REST_MINUTES_BETWEEN_SHIFTS", 0),
        "SHIFT_CANCEL_CUTOFF_MINUTES": _int("SHIFT_CANCEL_CUTOFF_MINUTES", 120),
        "SWAP_APPROVAL_HOURS": _int("SWAP_APPROVAL_HOURS", 24),
        # Vacancy alerts (services.vacancy_alerts): at each of these minutes before a shift, a post short
        # of people alerts up to (places missing x VACANCY_ALERT_FACTOR) eligible, free volunteers who
        # opted in. Empty: no vacancy alerts.
        "VACANCY_ALERT_LEADS_MINUTES": _minutes_list("VACANCY_ALERT_LEADS_MINUTES", [1440, 180]),
        "VACANCY_ALERT_FACTOR": _int("VACANCY_ALERT_FACTOR", 3),
        # The credited-hours rule (services.hours_record.credit, docs/api.md "Volunteer hours as a
        # record"): minutes worked inside the shift are rounded to a multiple of the unit (down, nearest
        # or up), a shift credited less than the minimum counts 0, and at most the cap (0: none) counts.
        "HOURS_ROUNDING_UNIT_MINUTES": _int("HOURS_ROUNDING_UNIT_MINUTES", 1),
        "HOURS_ROUNDING": (_str("HOURS_ROUNDING", "down") or "down").lower(),
        "HOURS_MINIMUM_MINUTES": _int("HOURS_MINIMUM_MINUTES", 0),
        "HOURS_CAP_MINUTES": _int("HOURS_CAP_MINUTES", 0),
        # Check-in at an activity (self or by an organizer) opens this long before it starts and
        # closes this long after it ends.
        "ACTIVITY_CHECKIN_EARLY_MINUTES": _int("ACTIVITY_CHECKIN_EARLY_MINUTES", 60),
        "ACTIVITY_CHECKIN_LATE_MINUTES": _int("ACTIVITY_CHECKIN_LATE_MINUTES", 120),
        # A check-in or check-out scanned without a network is accepted when uploaded at most this many
        # hours after the scan (`recorded_at`); older ones are refused (`recorded_at_too_old`).
        "OFFLINE_CHECKIN_MAX_HOURS": _int("OFFLINE_CHECKIN_MAX_HOURS", 24),
        # A self check-in at a site with coordinates allows the phone's reported accuracy up to this
        # many metres (distance - min(accuracy, this) <= radius); a live scan reporting worse is
        # refused (`location_inaccurate`: retry in the open). docs/api.md, "On-site check-in".
        "CHECKIN_MAX_ACCURACY_M": _int("CHECKIN_MAX_ACCURACY_M", 100),
        "RATE_LIMIT_LOGIN": _str("RATE_LIMIT_LOGIN", "30/minute"),
        # A swap offered to a phone number tells whether the number has an account: few per client.
        "RATE_LIMIT_SWAP_PHONE": _str("RATE_LIMIT_SWAP_PHONE", "20/hour"),
        "PORT": _int("PORT", 5000),
        # The service's public address: absolute URLs in responses (check-in code images) are built
        # from it. Unset: only in development, the request's own host.
        "PUBLIC_BASE_URL": (_str("PUBLIC_BASE_URL") or "").rstrip("/") or None,
        # How many reverse proxies stand before the service: the client address is taken from that many
        # X-Forwarded-For entries (werkzeug's ProxyFix). 0: the peer address, headers ignored.
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        # text (one line per record) or json (one JSON object per line); the level of the root logger.
        "LOG_FORMAT": _str("LOG_FORMAT", "text"),
        "LOG_LEVEL": _str("LOG_LEVEL", "INFO").upper(),
        # Retention (services.retention, run daily by the scheduler): accounts not logged in for
        # RETENTION_DAYS are anonymised and remarks on rosters of activities that ended that long ago
        # emptied; audit entries are deleted after AUDIT_RETENTION_DAYS. Default 3 years each.
        "RETENTION_DAYS": _int("RETENTION_DAYS", 1095),
        "AUDIT_RETENTION_DAYS": _int("AUDIT_RETENTION_DAYS", 1095),
        # Hour of the day (UTC) at which the scheduler runs the daily purge.
        "RETENTION_PURGE_HOUR_UTC": _int("RETENTION_PURGE_HOUR_UTC", 19),
        # /api/v1/health answers 503 `scheduler` when no scheduler wrote a heartbeat in the last three
        # ticks. Unset: required in production, not in development (where none may run).
        "HEALTH_REQUIRE_SCHEDULER": _bool("HEALTH_REQUIRE_SCHEDULER"),
        # /api/v1/health answers 503 `outbox` when a message has been due and unsent for longer.
        "OUTBOX_MAX_LAG_SECONDS": _int("OUTBOX_MAX_LAG_SECONDS", 300),
        # Bearer token of GET /metrics (Prometheus). Unset: /metrics does not exist (404).
        "METRICS_TOKEN": _str("METRICS_TOKEN"),
        # The web console (/console): a session ends after this many hours without a request.
        "CONSOLE_SESSION_HOURS": _int("CONSOLE_SESSION_HOURS", 8),
    }
