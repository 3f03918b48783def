"""Short-lived signed check-in tokens that rotate, so yesterday's screenshot of a code fails.

A token names what it checks in to: `a<id>` an activity, `s<id>` a shift site, `c<id>` a community
(its join code, which confirms the scanner's membership: `memberships`). Shape:
`a123.4k9x.AbCdEfGhIjKl` (kind and id, the time window in base 36, an HMAC). It fits in the 32
characters of a mini-program code's `scene` and uses only characters allowed there.
"""

import base64
import hashlib
import hmac
import re
import time

from flask import current_app

WINDOW_SECONDS = 300
# A token stays valid for the window it was made in and the next one: 5 to 10 minutes.
GRACE_WINDOWS = 1
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


def token_is_valid(kind, object_id, token, now=None):
    """True if `token` was made for this object in the current or the previous window."""
    if not isinstance(token, str) or len(token) > 64:
        return False
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != f"{kind}{object_id}":
        return False
    try:
        window = int(parts[1], 36)
    except ValueError:
        return False
    current = int((now or time.time()) // WINDOW_SECONDS)
    if not current - GRACE_WINDOWS <= window <= current:
        return False
    return hmac.compare_digest(parts[2], _mac(parts[0], window))
