"""Building list responses: the contract's page body, and the caller's own row laid over a shared page.

The list reads (`list_response`) serve a public page as the bytes the cache holds, with the caller's
own row spliced into each item (`fill_page`), in one Redis round trip when both are cached
(`cache.read_list`, which also reads the token's revocation marks); with an `ETag` of the exact bytes
sent, so a client that has them gets a 304. The database is asked only for what the cache lacks.
A read whose answer is all in the cache is answered in front of Flask (`list_fast_path`), the same way.
"""

import hashlib
import json

from flask import Response, current_app, g, request

from server.api.security import check_revocation_with
from server.extensions import db
from server.services import cache

# What stands for the caller's own row in a stored page. `"<field>":"\u0000"` cannot occur inside a
# JSON string (a quote in a string is always escaped), and PostgreSQL text holds no NUL at all.
_PLACEHOLDER = "\0"


def page_body(items, total, args):
    """`{items, total, page, page_size}` for the query `args` of a paginated list."""
    return {"items": items, "total": total, "page": args["page"], "page_size": args["page_size"]}


def overlay_mine(page, field, mine_by_id, schema):
    """Set `field` on each (dumped) item of a shared page to the caller's own row for it, or None."""
    for item in page["items"]:
        row = mine_by_id.get(item["id"])
        item[field] = schema.dump(row) if row is not None else None
    return page


def _json(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def page_template(page, field):
    """A shared page as stored: `b"<item ids>\\n<JSON>"`, the JSON with a placeholder where each item's
    `field` (the caller's own row) goes."""
    for item in page["items"]:
        item[field] = _PLACEHOLDER
    return b"%s\n%s" % (",".join(str(item["id"]) for item in page["items"]).encode(), _json(page))


def fill_page(template, field, mine):
    """The page's JSON bytes, each item's `field` the caller's own row for it from `mine`
    (`{str(item id): dumped row}`) or null. No JSON is parsed or re-encoded but the caller's rows."""
    ids, _, body = template.partition(b"\n")
    slot = b'"%s":"\\u0000"' % field.encode()
    parts = body.split(slot)
    out = [parts[0]]
    for item_id, rest in zip(ids.decode().split(",") if ids else (), parts[1:]):
        row = mine.get(item_id)
        out += [b'"%s":' % field.encode(), _json(row) if row is not None else b"null", rest]
    return b"".join(out)


def _item_ids(template):
    ids = _ids_line(template)
    return [int(item_id) for item_id in ids.split(b",")] if ids else []


def list_response(namespace, args, field, compute_page, mine_for, schema):
    """The response to a list read by the caller (`g.user_id`, None: anonymous; the view is decorated
    with `optional_user_checked_by_view`): the page `compute_page()` makes (JSON-ready, nothing of
    the caller's own in it), each item's `field` the caller's own row among `mine_for(user_id, ids)`
    (`{item id: row}`) dumped with `schema`, or None.

    Invariant: what is served is what the database holds as of the versions it was stored under
    (`cache.read_list`): a read that starts after a write returned shows that write, in the page
    (a place count) and in the caller's own rows (their sign-up, its cancellation, their place in the
    waitlist). The caller's own rows are used only for a page of the same items (`stored_own_rows`).
    """
    digest = cache.args_digest(args)
    user_id = g.user_id
    read = _read_list(namespace, digest, user_id)
    check_revocation_with(read)  # without a read, its own Redis call (down: 503 for a logged-in read)
    if read is None:  # Redis down or a bump owed: no cache
        template = page_template(_from_database(compute_page), field)
        return _answer(fill_page(template, field, _own_rows(user_id, template, mine_for, schema)))

    template, to_store = read.page, {}
    if template is None:
        template = to_store["page"] = page_template(_from_database(compute_page), field)
    mine = stored_own_rows(read.mine, template) if user_id is not None else {}
    if mine is None:
        mine = _own_rows(user_id, template, mine_for, schema)
        to_store.update(mine_version=read.mine_version, mine=b"%s\n%s" % (_ids_line(template), _json(mine)))
    if to_store:
        cache.store_list(namespace, digest, user_id, read.version, **to_store)
    remember_query(namespace, field, digest)
    return _answer(fill_page(template, field, mine))


# Where the fast path in front of Flask (`list_fast_path`) leaves what it read from the cache when it
# cannot answer alone: `(namespace, digest, user id, cache.ListRead)`.
LIST_READ_KEY = "server.list_read"


def _read_list(namespace, digest, user_id):
    """`cache.read_list` for this read (with the token's revocation marks, `g.revocation_keys`), or what
    the fast path read for the same query and caller (the same token) earlier in this request
    (`LIST_READ_KEY`): read before anything this view goes on to read, so as good as its own."""
    handed = request.environ.pop(LIST_READ_KEY, None)
    if handed is not None and handed[:3] == (namespace, digest, user_id):  # the same token: the same marks
        return handed[3]
    return cache.read_list(namespace, digest, user_id, along=g.revocation_keys)


# At most this many query strings are remembered per process (each one a line of a dict); more are
# answered by Flask alone. The mini-program sends a handful (the lists' pages and filters).
MAX_KNOWN_QUERIES = 512


def remember_query(namespace, field, digest):
    """Tell the fast path in front of Flask (`list_fast_path`) that this exact path and
    query string (as sent, not parsed) is the query `digest` of `namespace`'s list, whose items' own
    rows are `field`. The parse of a query string is deterministic (no default of the query schemas
    depends on the time or the caller), so the same string always names the same page."""
    known = current_app.extensions.get("list_queries")
    if known is not None and len(known) < MAX_KNOWN_QUERIES:
        environ = request.environ
        known[(environ.get("PATH_INFO"), environ.get("QUERY_STRING", ""))] = (namespace, field, digest)


def _ids_line(template):
    return template.partition(b"\n")[0]


def stored_own_rows(stored, template):
    """The caller's own rows (`{str(item id): dumped row}`) from what `cache.read_list` found stored
    (`b"<item ids>\\n<JSON>"`), if they were read for the items of `template`; else None (not stored,
    or read for a page that showed other items since: a row for an item that has joined the page would
    be missing)."""
    if stored is None:
        return None
    ids, _, rows = stored.partition(b"\n")
    return json.loads(rows) if ids == _ids_line(template) else None


def _own_rows(user_id, template, mine_for, schema):
    """`{str(item id): dumped row}` of the caller's own rows on the page (none, and no query, when anonymous)."""
    ids = _item_ids(template)
    if user_id is None or not ids:
        return {}
    rows = _from_database(mine_for, user_id, ids)
    return {str(item_id): schema.dump(row) for item_id, row in rows.items()}


def _from_database(read, *args):
    """`read(*args)`, its statements run in autocommit (`_read_in_autocommit`)."""
    _read_in_autocommit()
    return read(*args)


def _read_in_autocommit():
    """Run the read's statements in autocommit: a list read writes nothing, so it needs no transaction,
    and each statement is one round trip to the database instead of BEGIN, the statement and ROLLBACK.
    (Each statement sees what was committed before it started, as in a READ COMMITTED transaction;
    what the cache stores was read after the version it is stored under, which is all it needs.)"""
    session = db.session()  # the request's own Session (scoped_session does not proxy in_transaction)
    if not session.in_transaction():
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def _answer(body):
    """`answer` to this request."""
    return answer(body, request.environ)


def answer(body, environ):
    """`body` as a JSON response with an ETag of its exact bytes: 304 to a client (`environ`, the WSGI
    request) that has them."""
    response = Response(body, mimetype="application/json")
    response.set_etag(hashlib.sha1(body).hexdigest())
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(environ)
