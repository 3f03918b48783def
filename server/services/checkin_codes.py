"""Mini-program code images for check-in tokens, fetched from WeChat once per token and kept in Redis.

Activity and site tokens open the check-in page; a community's join token opens the join page.
"""

import time

from flask import current_app

from server.errors import NotFound
from server.extensions import redis
from server.services.checkin_tokens import WINDOW_SECONDS, GRACE_WINDOWS, token_is_valid, token_subject
from server.wechat import wechat

CHECKIN_PAGE = "pages/checkin/index"
JOIN_PAGE = "pages/community-join/index"
PAGES = {"a": CHECKIN_PAGE, "s": CHECKIN_PAGE, "c": JOIN_PAGE}


def code_image(token):
    """`(jpeg_bytes, seconds_it_stays_valid)` for a valid token. Raises NotFound, WeChat errors."""
    subject = token_subject(token)
    if subject is None or not token_is_valid(*subject, token):
        raise NotFound("checkin_token_invalid")
    window = int(token.split(".")[1], 36)
    max_age = max(int((window + 1 + GRACE_WINDOWS) * WINDOW_SECONDS - time.time()), 1)
    key = f"checkin-code:{token}"
    image = redis.get(key)
    if image is None:
        image = wechat().get_unlimited_code(
            scene=token, page=PAGES[subject[0]], env_version=current_app.config["WECHAT_ENV_VERSION"]
        )
        redis.set(key, image, ex=max_age)
    return image, max_age
