"""Paging of the console's lists: `?page=N`, a fixed page size, and the links between pages."""

from dataclasses import dataclass

from flask import request

from server.extensions import db
from server.services.paging import count_rows

PAGE_SIZE = 20
MAX_PAGE = 100_000


def current_page():
    """The `page` query argument: 1 when missing, not a number, or out of range."""
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        return 1
    return page if 1 <= page <= MAX_PAGE else 1


@dataclass
class Page:
    items: list
    page: int
    pages: int
    total: int

    def url_args(self, page):
        """The current query string with another page number (for the pager's links)."""
        args = request.args.to_dict()
        args["page"] = page
        return args


def paginate(statement, page=None, size=PAGE_SIZE, scalars=True):
    """One page of `statement`'s rows (ORM entities when `scalars`, else rows) with the total count."""
    page = page or current_page()
    total = count_rows(statement)
    pages = max(1, -(-total // size))
    page = min(page, pages)
    query = statement.limit(size).offset((page - 1) * size)
    result = db.session.scalars(query) if scalars else db.session.execute(query)
    return Page(items=list(result.unique() if scalars else result), page=page, pages=pages, total=total)


def paginate_list(items, page=None, size=PAGE_SIZE):
    """One page of an already loaded list."""
    page = page or current_page()
    pages = max(1, -(-len(items) // size))
    page = min(page, pages)
    return Page(items=items[(page - 1) * size : page * size], page=page, pages=pages, total=len(items))
