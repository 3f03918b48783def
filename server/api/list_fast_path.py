"""The list reads' fast path in front of Flask (`ListFastPath`): a logged-in (or anonymous) `GET` of
`/api/v1/activities` or `/api/v1/shifts` whose answer is all in the cache is answered by a plain WSGI
function, without Flask's routing, flask-smorest or the query's parsing.

It answers only what the view (`pages.list_response`) would answer, byte for byte, and only when it
can decide (`serve_cached_list`); anything else goes to Flask untouched, which answers exactly as
without it. The middlewares around it (request id, metrics, ProxyFix) see both alike: the fast path
leaves the matched URL rule in the environ as Flask's `request_started` signal does
(`metrics.note_rule`).
"""

from server.api import pages
from server.api.security import bearer_token
from server.errors import NotAuthenticated
from server.metrics import RULE_KEY
from server.services import cache
from server.services.tokens import refuse_if_revoked, revocation_keys, unexpired_claims


def serve_cached_list(app, environ, namespace, field, digest):
    """The response `pages.list_response` would give for the query `digest` of `namespace` (a string it
    answered before: `pages.remember_query`), or None when the fast path cannot decide.

    Invariant: a response only when everything it shows is current and the caller is who the token
    says, decided exactly as the view decides it: the token well signed and unexpired
    (`unexpired_claims`) and its revocation marks unset, read in the same MGET as the namespace's
    version, the page stored for it and the caller's own rows stored for their current versions
    (`cache.read_list`), those rows read for the same items (`pages.stored_own_rows`). None (Flask
    answers, exactly as without this path) for a bad, expired, revoked or deleted account's token,
    Redis down or without versions, a bump owed, a page or own rows not stored or not current. What
    it read is left in the environ for the view (`pages.LIST_READ_KEY`), which then reads no more.
    """
    with app.app_context():
        token = bearer_token(environ.get("HTTP_AUTHORIZATION", ""))
        user_id, along = None, []
        if token is not None:
            try:
                claims = unexpired_claims(token)
                user_id, along = int(claims["sub"]), revocation_keys(claims)
            except (NotAuthenticated, ValueError):
                return None
        read = cache.read_list(namespace, digest, user_id, along=along)
        if read is None:
            return None
        environ[pages.LIST_READ_KEY] = (namespace, digest, user_id, read)  # the view's, should it answer
        if read.page is None:
            return None
        if token is not None:
            try:
                refuse_if_revoked(claims, read.along)
            except NotAuthenticated:
                return None
        mine = pages.stored_own_rows(read.mine, read.page) if user_id is not None else {}
        if mine is None:
            return None
        return pages.answer(pages.fill_page(read.page, field, mine), environ)


class ListFastPath:
    """WSGI middleware: `serve_cached_list` for a `GET` of a path and query string the view answered
    before (`pages.remember_query`), else the app."""

    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self.known = app.extensions["list_queries"] = {}

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "GET":
            path = environ.get("PATH_INFO")
            query = self.known.get((path, environ.get("QUERY_STRING", "")))
            if query is not None:
                response = serve_cached_list(self.app, environ, *query)
                if response is not None:
                    environ[RULE_KEY] = path  # the rule Flask matches for it (`metrics.note_rule`)
                    return response(environ, start_response)
        return self.wsgi_app(environ, start_response)


def init_app(app):
    """Put the fast path in front of the app (inside the middlewares `create_app` adds after it)."""
    app.wsgi_app = ListFastPath(app, app.wsgi_app)
