"""File downloads (roster exports)."""

from urllib.parse import quote

from flask import Response

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def download(body, fmt, filename):
    """An attachment response; the Chinese file name travels as RFC 5987 `filename*`."""
    disposition = f"attachment; filename=roster.{fmt}; filename*=UTF-8''{quote(filename + '.' + fmt)}"
    return Response(body, headers={"Content-Type": MIMETYPES[fmt], "Content-Disposition": disposition})
