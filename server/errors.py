"""Domain errors and the one handler that turns every error into the contract's JSON body.

Body: `{"error": "<snake_case id>", "message": "<human text>", "errors": {field: [messages]}}`,
`errors` only for validation failures. The mini-program branches on `error`, never on `message`.
"""

import logging

from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A refusal with a stable `error` id and an HTTP status from the contract."""

    status = 409
    error = "conflict"
    message = "与当前状态冲突"

    def __init__(self, error=None, message=None, status=None, errors=None):
        self.error = error or self.error
        self.message = message or self.message
        self.status = status or self.status
        self.errors = errors
        super().__init__(f"{self.error}: {self.message}")


class NotAuthenticated(DomainError):
    status, error, message = 401, "not_authenticated", "请先登录"


class AccountDeleted(NotAuthenticated):
    """A valid token of an account that has since been deleted."""

    error, message = "token_invalid", "账号不存在或已注销，请重新登录"


class Forbidden(DomainError):
    status, error, message = 403, "forbidden", "没有权限"


class NotFound(DomainError):
    status, error, message = 404, "not_found", "未找到"


class ValidationFailed(DomainError):
    status, error, message = 422, "validation_failed", "输入有误"


# Werkzeug's own errors (unknown route, wrong method, malformed body ...) get ids too.
HTTP_ERROR_IDS = {
    400: ("bad_request", "请求格式有误"),
    401: ("not_authenticated", "请先登录"),
    403: ("forbidden", "没有权限"),
    404: ("not_found", "未找到"),
    405: ("method_not_allowed", "不支持该请求方法"),
    409: ("conflict", "与当前状态冲突"),
    413: ("payload_too_large", "请求体过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    422: ("validation_failed", "输入有误"),
    429: ("rate_limited", "请求过于频繁，请稍后再试"),
    500: ("internal_error", "服务器内部错误"),
}


def error_body(error, message, errors=None):
    body = {"error": error, "message": message}
    if errors:
        body["errors"] = errors
    return body


def _flatten_webargs_messages(messages):
    """webargs nests field errors by location (`{"json": {...}, "query": {...}}`); the contract does not."""
    flat = {}
    for location_errors in messages.values():
        if isinstance(location_errors, dict):
            for field, field_errors in location_errors.items():
                flat.setdefault(field, [])
                if isinstance(field_errors, list):
                    flat[field].extend(str(e) for e in field_errors)
                else:
                    flat[field].append(field_errors)
        else:
            flat.setdefault("_schema", []).extend(location_errors)
    return flat


def handle_http_exception(exc):
    """Turn any werkzeug HTTPException (including flask-smorest/webargs aborts) into the contract's body."""
    status = exc.code or 500
    error, message = HTTP_ERROR_IDS.get(status, ("error", exc.name))
    errors = None
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages")
    if status == 400 and messages == {"json": ["Invalid JSON body."]}:
        error, message = "malformed_body", "请求体不是有效的 JSON"
    elif status == 422 and messages:
        errors = _flatten_webargs_messages(messages)
    elif status == 429 and exc.description:
        message = f"{message}（{exc.description}）"
    headers = data.get("headers") or {}
    if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
        headers = {**headers, "Allow": ", ".join(exc.valid_methods)}
    if status >= 500:
        log.error("server error: %s", exc, exc_info=getattr(exc, "original_exception", None) or exc)
    return error_body(error, message, errors), status, headers


def handle_domain_error(exc):
    return error_body(exc.error, exc.message, exc.errors), exc.status


def handle_integrity_error(exc):
    """A database constraint refused the write (a race the service did not foresee): 409, nothing changed."""
    from server.extensions import db

    db.session.rollback()
    log.warning("integrity error answered as 409: %s", exc.orig)
    return error_body("conflict", "与当前状态冲突，请刷新后重试"), 409


def handle_unexpected(exc):
    """Last resort: log it and answer a JSON 500 instead of an HTML page."""
    log.exception("unhandled error", exc_info=exc)
    return error_body(*HTTP_ERROR_IDS[500]), 500


def init_app(app):
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(Exception, handle_unexpected)
