"""File downloads (roster exports), and how the OpenAPI document describes them."""

from urllib.parse import quote

from flask import Response

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The media types as OpenAPI names them, without parameters (a CSV is UTF-8 with a BOM).
DOCUMENTED_MEDIA_TYPES = {fmt: mimetype.split(";")[0] for fmt, mimetype in MIMETYPES.items()}
FILE_SCHEMA = {"type": "string", "format": "binary"}


def file_responses(blp, description):
    """Document a view's `format=csv` and `format=xlsx` answers: 200 with each file's own media type,
    beside the JSON answer of its `blp.response`."""

    def decorator(view):
        for fmt in ("xlsx", "csv"):
            view = blp.alt_response(
                200, schema=FILE_SCHEMA, description=description, content_type=DOCUMENTED_MEDIA_TYPES[fmt], success=True
            )(view)
        return view

    return decorator


def download(body, fmt, filename):
    """An attachment response; the Chinese file name travels as RFC 5987 `filename*`."""
    disposition = f"attachment; filename=roster.{fmt}; filename*=UTF-8''{quote(filename + '.' + fmt)}"
    return Response(body, headers={"Content-Type": MIMETYPES[fmt], "Content-Disposition": disposition})


def inline_pdf(pdf, filename, ascii_name):
    """A PDF shown in the browser or WeChat's viewer (a certificate, a proof), never cached; the Chinese
    file name travels as RFC 5987 `filename*`, `ascii_name` for old clients."""
    disposition = f"inline; filename={ascii_name}.pdf; filename*=UTF-8''{quote(filename + '.pdf')}"
    return Response(pdf, headers={"Content-Type": "application/pdf", "Content-Disposition": disposition,
                                  "Cache-Control": "private, no-store"})
