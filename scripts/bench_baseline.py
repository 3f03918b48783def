"""The bare baseline of scripts/bench: a minimal Flask app on the same database and server settings.

`GET /ping` answers at once; `POST /book` does only what a sign-up cannot do without: the conditional
capacity UPDATE and the INSERT, in one transaction. Our endpoints are reported as ratios of these.
`POST /book-or-queue` is /book for an activity with a waitlist, as in the sign-up burst: a request
that finds no place is counted and recorded as waitlisted instead of refused (shown for comparison).
`GET /year-totals?from=&to=` is the floor of the statistics scenario (`scripts/bench --stats`): the
two scans any statistics over a period must make, one aggregate over the registrations of the
activities starting in it, one over the bookings of its shifts (UTC bounds, no grouping, no scope).
Run by scripts/bench under gunicorn: `gunicorn bench_baseline:app` with DATABASE_URL set.
"""

import os

from flask import Flask, request
from sqlalchemy import create_engine, text

engine = create_engine(
    os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1), pool_pre_ping=True
)
app = Flask(__name__)

SCHEMA = [
    "DROP TABLE IF EXISTS bench_bookings",
    "DROP TABLE IF EXISTS bench_slots",
    "CREATE TABLE bench_slots (id integer PRIMARY KEY, capacity integer NOT NULL, taken integer NOT NULL,"
    " queued integer NOT NULL DEFAULT 0, CHECK (taken <= capacity))",
    "CREATE TABLE bench_bookings (id serial PRIMARY KEY, slot_id integer NOT NULL REFERENCES bench_slots (id),"
    " user_id integer NOT NULL, status varchar(16) NOT NULL DEFAULT 'booked', UNIQUE (slot_id, user_id))",
]


@app.get("/ping")
def ping():
    return {"ok": True}


@app.post("/reset")
def reset():
    capacity = int(request.args.get("capacity", 100))
    with engine.begin() as conn:
        for statement in SCHEMA:
            conn.execute(text(statement))
        conn.execute(text("INSERT INTO bench_slots (id, capacity, taken) VALUES (1, :c, 0)"), {"c": capacity})
    return {"capacity": capacity}


TAKE = text("UPDATE bench_slots SET taken = taken + 1 WHERE id = 1 AND taken < capacity RETURNING taken")
QUEUE = text("UPDATE bench_slots SET queued = queued + 1 WHERE id = 1")
INSERT = text("INSERT INTO bench_bookings (slot_id, user_id, status) VALUES (1, :u, :s)")


@app.post("/book")
def book():
    user_id = request.get_json()["user_id"]
    with engine.begin() as conn:
        taken = conn.execute(TAKE).scalar()
        if taken is None:
            return {"error": "capacity_full"}, 409
        conn.execute(INSERT, {"u": user_id, "s": "booked"})
    return {"taken": taken}, 201


@app.post("/book-or-queue")
def book_or_queue():
    user_id = request.get_json()["user_id"]
    with engine.begin() as conn:
        status = "booked" if conn.execute(TAKE).scalar() is not None else "waitlisted"
        if status == "waitlisted":
            conn.execute(QUEUE)
        conn.execute(INSERT, {"u": user_id, "s": status})
    return {"status": status}, 201


@app.get("/count")
def count():
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT status, count(*) FROM bench_bookings GROUP BY status")).all()
    counts = dict(rows)
    return {"bookings": counts.get("booked", 0), "waitlisted": counts.get("waitlisted", 0)}


YEAR_TOTALS = [
    text("SELECT count(*), coalesce(sum(1 + r.companions), 0), count(r.checked_in_at) FROM activities a "
         "JOIN registrations r ON r.activity_id = a.id WHERE a.starts_at >= :f AND a.starts_at < :t"),
    text("SELECT count(*), coalesce(sum(b.minutes_credited), 0) FROM shifts s JOIN bookings b ON b.shift_id = s.id "
         "WHERE s.starts_at >= :f AND s.starts_at < :t"),
]


@app.get("/year-totals")
def year_totals():
    bounds = {"f": request.args["from"], "t": request.args["to"]}
    with engine.connect() as conn:
        registrations, places, checked_in = conn.execute(YEAR_TOTALS[0], bounds).one()
        bookings, minutes = conn.execute(YEAR_TOTALS[1], bounds).one()
    return {"registrations": registrations, "places": places, "checked_in": checked_in, "bookings": bookings,
            "minutes": minutes}
