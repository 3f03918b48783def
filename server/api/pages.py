"""Building list responses: the contract's page body, and the caller's own row laid over a shared page."""


def page_body(items, total, args):
    """`{items, total, page, page_size}` for the query `args` of a paginated list."""
    return {"items": items, "total": total, "page": args["page"], "page_size": args["page_size"]}


def overlay_mine(page, field, mine_by_id, schema):
    """Set `field` on each (dumped) item of a shared page to the caller's own row for it, or None."""
    for item in page["items"]:
        row = mine_by_id.get(item["id"])
        item[field] = schema.dump(row) if row is not None else None
    return page
