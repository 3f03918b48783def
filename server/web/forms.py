"""Reading the console's HTML forms with the API's own schemas, so a rule is never written twice.

`parse_form(schema, request.form)` maps form fields onto the schema's fields and loads them: an empty
input is "not given" (None where the field allows it), a `List` field takes every value of its name,
and `datetime-local` inputs (no offset) are read in APP_TIMEZONE by `fields.LocalDateTime`. A
marshmallow refusal becomes `FormErrors`, whose `errors` map field names to Chinese messages for the
template; the view re-renders the form (422) and saves nothing.
"""

import marshmallow as ma

from server.errors import DomainError
from server.schemas.fields import INT_MAX


class FormErrors(Exception):
    """The form's field errors: `{field: [message, ...]}`; `_form` holds errors of no single field."""

    def __init__(self, errors):
        super().__init__("form errors")
        self.errors = errors


def flatten_messages(messages, prefix=""):
    """marshmallow's nested messages as `{"field" or "field.0.sub": [messages]}`."""
    flat = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, (dict, list)) and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                flat.update(flatten_messages(value, name))
            else:
                flat[name] = [value] if isinstance(value, str) else list(value)
    elif isinstance(messages, list):
        flat[prefix or "_form"] = [str(m) for m in messages]
    else:
        flat[prefix or "_form"] = [str(messages)]
    return flat


def digits_to_int(text, max_digits=10):
    """`text` (spaces trimmed) as a whole number when it is ASCII digits only, at most `max_digits` of
    them; else None. `str.isdigit` alone also takes "²" or "١", which `int()` refuses or reads."""
    text = (text or "").strip()
    if text.isascii() and text.isdigit() and len(text) <= max_digits:
        return int(text)
    return None


def id_or_none(text):
    """A row id (1 .. 2**31-1, what an `integer` column holds) from a query string or form, else None."""
    value = digits_to_int(text)
    return value if value is not None and 1 <= value <= INT_MAX else None


def form_data(schema, formdata, only=None):
    """The schema's input from a form: empty inputs left out (or None where allowed)."""
    data = {}
    for name, field in schema.load_fields.items():
        key = field.data_key or name
        if only is not None and key not in only:
            continue
        if isinstance(field, ma.fields.List):
            values = [v for v in formdata.getlist(key) if v.strip()]
            if values or key in formdata:
                data[key] = values
            continue
        if key not in formdata:
            if isinstance(field, ma.fields.Boolean) and f"{key}__present" in formdata:
                data[key] = False  # an unticked checkbox sends nothing; its hidden marker says it was shown
            continue
        value = formdata.get(key, "").strip()
        if value == "":
            if field.allow_none:
                data[key] = None
            continue
        if isinstance(field, ma.fields.Integer):
            value = text_to_int(value)
        elif isinstance(field, ma.fields.Float):
            value = text_to_float(value)
        data[key] = value
    return data


def text_to_float(value):
    """A form's text as a number when it is a plain decimal (`22.5431`, `-0.5`, at most 32 characters),
    else the text as it is, for `strict` number fields to refuse with their own message."""
    digits = value.removeprefix("-")
    whole, _, fraction = digits.partition(".")
    plain = (whole or fraction) and (whole + fraction).isdigit() and (whole + fraction).isascii()
    return float(value) if plain and len(value) <= 32 else value


def text_to_int(value):
    """A form's text as an integer when it is a whole number of at most 18 digits, else the text as it
    is: `strict` integer fields take only numbers, and refuse the rest with their own message (a
    number thousands of digits long is text to them, never an `int()` that Python refuses)."""
    digits = value.removeprefix("-")
    return int(value) if digits.isdigit() and digits.isascii() and len(digits) <= 18 else value


def parse_form(schema, formdata, extra=None, only=None):
    """Load `formdata` (plus `extra` values) with `schema`; raises FormErrors with Chinese messages."""
    data = form_data(schema, formdata, only)
    data.update(extra or {})
    try:
        return schema.load(data)
    except ma.ValidationError as exc:
        raise FormErrors(flatten_messages(exc.messages)) from None


def domain_error_as_form_errors(exc: DomainError):
    """A service's refusal shown on the form: its field errors when it has them, else its message."""
    if exc.errors:
        return flatten_messages(exc.errors)
    return {"_form": [exc.message]}


def check_version(row, formdata):
    """Refuse a stale form: the row's `updated_at` when the form was opened is its hidden `version`.

    Raises DomainError `stale_form` when the row changed meanwhile (nothing is saved)."""
    sent = formdata.get("version", "")
    current = row.updated_at.isoformat() if getattr(row, "updated_at", None) else ""
    if sent != current:
        raise DomainError("stale_form")


def version_of(row):
    return row.updated_at.isoformat() if getattr(row, "updated_at", None) else ""
