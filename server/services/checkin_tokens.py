"""Short-lived signed check-in tokens that rotate, so yesterday's screenshot of a code fails.

A token names what it checks in to: `a<id>` an activity, `s<id>` a shift site, `c<id>` a community
(its join code, which confirms the scanner's membership: `memberships`). Shape:
`a123.4k9x.AbCdEfGhIjKl` (kind and id, the time window in base 36, an HMAC). It fits in the 32
characters of a mini-program code's `scene` and uses only characters allowed there.

A scan made without a network is uploaded later with the device time of the scan (`recorded_at`):
`check_offline_scan` accepts it only if the token was valid at that time, the time is not in the
future (OFFLINE_CLOCK_SKEW_SECONDS of device clock error allowed) and not older than
`OFFLINE_CHECKIN_MAX_HOURS` (config).
"""

import base64
import hashlib
import hmac
import re
import time
from datetime import datetime, timedelta, timezone

from flask import current_app

from server.errors import DomainError

WINDOW_SECONDS = 300
# A token stays valid for the window it was made in and the next one: 5 to 10 minutes.
GRACE_WINDOWS = 1
# A phone's clock may run this far ahead of the server's: a recorded time up to this much in the
# future is taken as now-ish, not refused.
OFFLINE_CLOCK_SKEW_SECONDS = 120
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_SUBJECT = re.compile(r"^([asc])(\d{1,10})\.")


def _base36(number):
    out = ""
    while True:
        number, digit = divmod(number, 36)
        out = _DIGITS[digit] + out
        if number == 0:
            return out


def _mac(subject, window):
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"checkin:{subject}:{window}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:12]


def token_subject(token):
    """`(kind, object_id)` a token names (unchecked: see `token_is_valid`), or None if it names none."""
    match = _SUBJECT.match(token) if isinstance(token, str) else None
    return (match.group(1), int(match.group(2))) if match else None


def make_token(kind, object_id, now=None):
    """A token for `kind` (`a`, `s` or `c`) `object_id`; returns `(token, expires_at_epoch)`."""
    window = int((now or time.time()) // WINDOW_SECONDS)
    subject = f"{kind}{object_id}"
    token = f"{subject}.{_base36(window)}.{_mac(subject, window)}"
    return token, (window + 1 + GRACE_WINDOWS) * WINDOW_SECONDS


def token_validity(kind, object_id, token):
    """`(valid_from, valid_until)` epoch seconds of a genuine token for this object (valid from the
    start of its window up to, not including, `valid_until`), or None if it is not one."""
    if not isinstance(token, str) or len(token) > 64:
        return None
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != f"{kind}{object_id}":
        return None
    try:
        window = int(parts[1], 36)
    except ValueError:
        return None
    if window > 10**8 or not hmac.compare_digest(parts[2], _mac(parts[0], window)):
        return None
    return window * WINDOW_SECONDS, (window + 1 + GRACE_WINDOWS) * WINDOW_SECONDS


def token_is_valid(kind, object_id, token, now=None):
    """True if `token` was made for this object in the current or the previous window (of `now`, an
    epoch or an aware datetime; default: the current time)."""
    validity = token_validity(kind, object_id, token)
    if validity is None:
        return False
    moment = now.timestamp() if isinstance(now, datetime) else (now or time.time())
    return validity[0] <= moment < validity[1]


def check_offline_scan(kind, object_id, token, recorded_at, now):
    """The check-in time to store for a scan made offline at `recorded_at` (aware) and uploaded at
    `now`: `recorded_at`, or `now` when the device clock ran up to OFFLINE_CLOCK_SKEW_SECONDS ahead.

    Raises DomainError `recorded_at_in_future`, `recorded_at_too_old` (before
    OFFLINE_CHECKIN_MAX_HOURS ago), `checkin_token_invalid` (not a genuine token of this object),
    `recorded_at_before_token` (before the token was made), `checkin_token_expired` (the token had
    expired at that time).
    """
    if recorded_at > now + timedelta(seconds=OFFLINE_CLOCK_SKEW_SECONDS):
        raise DomainError("recorded_at_in_future")
    max_hours = current_app.config["OFFLINE_CHECKIN_MAX_HOURS"]
    if recorded_at < now - timedelta(hours=max_hours):
        raise DomainError("recorded_at_too_old", f"离线签到已超过 {max_hours} 小时，无法补传，请联系组织者补签")
    validity = token_validity(kind, object_id, token)
    if validity is None:
        raise DomainError("checkin_token_invalid", "签到码无效，请扫描现场的签到码")
    moment = min(recorded_at, now)
    valid_from, valid_until = (datetime.fromtimestamp(t, timezone.utc) for t in validity)
    if moment < valid_from:
        raise DomainError("recorded_at_before_token")
    if moment >= valid_until:
        raise DomainError("checkin_token_expired")
    return moment
