"""Mini-program code images for check-in tokens (activities and shift sites) and communities' join codes."""

from datetime import datetime, timezone

from flask import Response, current_app, url_for
from flask_smorest import Blueprint

from server.services import checkin_codes

blp = Blueprint("checkin", __name__, url_prefix="/api/v1", description="Check-in codes")


@blp.route("/checkin-codes/<token>.jpg", methods=["GET"])
@blp.doc(responses={"200": {"description": "JPEG image", "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}}}})
def checkin_qrcode(token):
    """The mini-program code (JPEG) that opens the check-in page with this token as its `scene`
    (for a community's join code: the join page).

    The token itself is the credential: it is short-lived and only organizers are given one.
    404 `checkin_token_invalid` for an unknown or expired token; 503 `wechat_unavailable`.
    """
    image, max_age = checkin_codes.code_image(token)
    return Response(image, mimetype="image/jpeg", headers={"Cache-Control": f"private, max-age={max_age}"})


def public_url(endpoint, **values):
    """An absolute URL for clients: `PUBLIC_BASE_URL` + the endpoint's path. Never built from the
    request's `Host` header, which the client chooses; only in development (PUBLIC_BASE_URL unset,
    which `check_settings` refuses elsewhere) the request's own host is used."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, **values, _external=True)


def checkin_code_body(token, expires_at):
    """The response to an organizer asking for a check-in code: the token, its expiry, and its image URL."""
    return {
        "token": token,
        "expires_at": datetime.fromtimestamp(expires_at, timezone.utc),
        "qrcode_url": public_url("checkin.checkin_qrcode", token=token),
    }
