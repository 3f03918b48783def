"""Mini-program code images for check-in tokens, fetched from WeChat once per token and kept in Redis."""

import re
import time

from flask import current_app

from server.errors import NotFound
from server.extensions import redis
from server.services.checkin_tokens import WINDOW_SECONDS, GRACE_WINDOWS, token_is_valid
from server.wechat import wechat

CHECKIN_PAGE = "pages/checkin/index"
_SUBJECT = re.compile(r"^([as])(\d{1,10})\.")


def code_image(token):
    """`(jpeg_bytes, seconds_it_stays_valid)` for a valid token. Raises NotFound, WeChat errors."""
    match = _SUBJECT.match(token or "")
    if not match or not token_is_valid(match.group(1), int(match.group(2)), token):
        raise NotFound("checkin_token_invalid")
    window = int(token.split(".")[1], 36)
    max_age = max(int((window + 1 + GRACE_WINDOWS) * WINDOW_SECONDS - time.time()), 1)
    key = f"checkin-code:{token}"
    image = redis.get(key)
    if image is None:
        image = wechat().get_unlimited_code(
            scene=token, page=CHECKIN_PAGE, env_version=current_app.config["WECHAT_ENV_VERSION"]
        )
        redis.set(key, image, ex=max_age)
    return image, max_age
