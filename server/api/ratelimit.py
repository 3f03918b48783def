"""Per-client rate limits on single views (`POST /auth/login`), on the `limits` library's public API.

Only a limited view pays for its check: no hook runs before or after any other request. A limited
response carries `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (epoch seconds)
and `Retry-After` (seconds); over the limit it is a 429 `rate_limited` naming the limit.
"""

import time
from functools import wraps

from flask import after_this_request, current_app, request
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests


class RateLimiter:
    """Fixed-window counters per (view, client address), in Redis (`REDIS_URL`) or in memory.

    One per app (`app.extensions["rate_limiter"]`): its storage follows that app's settings.
    """

    def __init__(self, storage_uri, key_prefix="ratelimit"):
        self.storage = storage_from_string(storage_uri)
        self.strategy = FixedWindowRateLimiter(self.storage)
        self.key_prefix = key_prefix

    def hit(self, limits, scope):
        """Count this request for `scope` and the client address against `limits`, a rate string such
        as "30/minute" (several: "30/minute;200/hour").

        Sets the rate-limit headers (of the first limit) on the response, whatever its status.
        Raises TooManyRequests (answered as 429 `rate_limited`) when the client is over a limit.
        """
        items = parse_many(limits)
        identifiers = (self.key_prefix, scope, request.remote_addr or "127.0.0.1")
        breached = next((item for item in items if not self.strategy.hit(item, *identifiers)), None)

        @after_this_request
        def add_headers(response):
            shown = items[0]
            reset_at, remaining = self.strategy.get_window_stats(shown, *identifiers)
            reset_at = int(reset_at + 1)
            response.headers["X-RateLimit-Limit"] = str(shown.amount)
            response.headers["X-RateLimit-Remaining"] = str(remaining)
            response.headers["X-RateLimit-Reset"] = str(reset_at)
            response.headers["Retry-After"] = str(int(reset_at - time.time()))
            return response

        if breached is not None:
            raise TooManyRequests(description=str(breached))

    def reset(self):
        """Forget every counter (tests start from fresh ones)."""
        self.storage.reset()

    def close(self):
        """Close the storage's connections, if it holds any (an app that is being discarded)."""
        get_connection = getattr(self.storage, "get_connection", None)  # the Redis storages'
        if get_connection is not None:
            get_connection().close()


def rate_limited(setting):
    """Limit the decorated view per client address to the rate string in the app setting named
    `setting` (e.g. `RATE_LIMIT_LOGIN = "30/minute"`), checked before the body is read."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            current_app.extensions["rate_limiter"].hit(current_app.config[setting], request.endpoint)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def init_app(app):
    app.extensions["rate_limiter"] = RateLimiter(app.config["REDIS_URL"] or "memory://")
