"""A lottery's public record (services/lottery.py): `GET /activities/{id}/draw`."""

from server.schemas import fields
from server.schemas.common import Schema

OUTCOME_DOC = "`confirmed` (中签), `waitlisted` (候补, in drawn order), `not_drawn` (no waitlist), `withdrawn`"


class DrawEntrySchema(Schema):
    """A sealed entry: a registration id and its party's size (1 + companions); no names."""

    entry = fields.Integer(metadata={"description": "The entry's registration id"})
    places = fields.Integer(metadata={"description": "Places the party needs (drawn as a unit)"})


class DrawResultSchema(Schema):
    """One entry's place in the drawn order and what it drew."""

    rank = fields.Integer(metadata={"description": "1-based position in the drawn order"})
    entry = fields.Integer()
    places = fields.Integer()
    outcome = fields.String(metadata={"description": OUTCOME_DOC})


class DrawSchema(Schema):
    """A lottery: the commitment from publication, the sealed entries with the salt and seed from sign-up
    close, the results from the draw: enough to recompute it (`scripts/verify-draw`)."""

    state = fields.String(metadata={"description": "`open` (taking entries), `sealed` (entries fixed, not drawn "
                                                   "yet), `drawn`"})
    draw_at = fields.LocalDateTime(allow_none=True, metadata={"description": "When the draw happens"})
    signup_closes_at = fields.LocalDateTime(allow_none=True, metadata={"description": "When the entries are sealed"})
    commitment = fields.String(allow_none=True, metadata={"description": "sha256 of the salt, hex; from publication"})
    salt = fields.String(allow_none=True,
                         metadata={"description": "The secret chosen at publication; null until sealed"})
    seed = fields.String(allow_none=True,
                         metadata={"description": "sha256(salt + \"|\" + sha256(entries text)); null until sealed"})
    sealed_at = fields.LocalDateTime(allow_none=True)
    drawn_at = fields.LocalDateTime(allow_none=True)
    method = fields.String(metadata={"description": "The algorithm, in English and Chinese"})
    entry_count = fields.Integer(metadata={"description": "Entries so far (open), or sealed"})
    places_available = fields.Integer(allow_none=True, metadata={
        "description": "Places the draw gave out (capacity minus places already held); null until drawn"})
    waitlist = fields.Boolean(metadata={"description": "Whether entries that drew no place are waitlisted"})
    entries = fields.List(fields.Nested(DrawEntrySchema), allow_none=True,
                          metadata={"description": "The sealed entries in id order; null until sealed"})
    results = fields.List(fields.Nested(DrawResultSchema), allow_none=True,
                          metadata={"description": "Every sealed entry in drawn order; null until drawn"})
    my_entry = fields.Integer(allow_none=True, metadata={"description": "The caller's entry (registration id), if any"})
