"""The sign-up rule is written twice: in Python (`check_signup`, `places_fit`), which names the error,
and in the SQL WHERE of the conditional UPDATEs (`take_places`), which re-checks it under the
activity's row lock. Both must agree on every case; this runs them side by side on the test
database (SQLite by default, PostgreSQL in CI), over a table of activity states, sign-up windows,
audiences, capacities and party sizes, boundaries (`== now`) included.

Who the caller is (in the audience? may see a draft?) is for Python alone: the SQL cannot know it
and re-checks only that the audience is still the one the caller was checked against.
"""

import itertools
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from server.errors import DomainError
from server.extensions import db
from server.models import Activity, Community, User
from server.services.registrations import check_signup, places_fit, read_for_signup, take_places

NOW = datetime(2031, 5, 6, 4, 30, tzinfo=timezone.utc)
H = timedelta(hours=1)
STATUSES = ("draft", "published", "cancelled", "finished")
# name: (starts_at, ends_at, signup_opens_at, signup_closes_at), relative to NOW
WINDOWS = {
    "no window": (2 * H, 4 * H, None, None),
    "opens now": (2 * H, 4 * H, 0 * H, None),
    "opens later": (2 * H, 4 * H, H, None),
    "closes later": (2 * H, 4 * H, -H, H),
    "closes now": (2 * H, 4 * H, None, 0 * H),
    "closed": (2 * H, 4 * H, -2 * H, -H),
    "starts now": (0 * H, 2 * H, None, None),
    "under way": (-H, H, None, None),
    "ends now": (-2 * H, 0 * H, None, None),
    "ended": (-3 * H, -H, None, None),
    "ended, closing later (inconsistent)": (-2 * H, 0 * H, None, H),
}
AUDIENCES = ("all", "party_members", "community_residents")
# (capacity, confirmed_count, places)
SIZES = ((3, 0, 1), (3, 2, 1), (3, 3, 1), (3, 2, 2), (3, 0, 3), (2, 0, 3))
CASES = list(itertools.product(STATUSES, WINDOWS, AUDIENCES, SIZES, (True, False)))


@pytest.fixture
def signup_table(clean_app):
    """One activity per case, and a caller in every audience (a party member, a confirmed resident of the community)."""
    with clean_app.app_context():
        community = Community(code="rule", name="规则社区")
        db.session.add(community)
        db.session.flush()
        user = User(openid="o-rule", community_id=community.id, is_party_member=True)
        user.community_confirmed_at = NOW  # a confirmed resident: a claimed one is not in the audience
        db.session.add(user)
        activities = []
        for status, window, audience, (capacity, confirmed, _), waitlist in CASES:
            starts, ends, opens, closes = (None if delta is None else NOW + delta for delta in WINDOWS[window])
            activities.append(
                Activity(
                    community_id=community.id, title=window, category="other", starts_at=starts, ends_at=ends,
                    signup_opens_at=opens, signup_closes_at=closes, capacity=capacity, confirmed_count=confirmed,
                    waitlist_enabled=waitlist, audience=audience, status=status,
                )
            )
        db.session.add_all(activities)
        db.session.commit()
        yield user.id, [a.id for a in activities]
        db.session.rollback()


def python_outcome(user_id, row, places):
    """What the Python rule answers: `confirmed`, `waitlisted`, or the error id."""
    try:
        check_signup(user_id, row, places, NOW)
    except DomainError as error:
        return error.error
    if places_fit(row, places):
        return "confirmed"
    return "waitlisted" if row.waitlist_enabled else "capacity_full"


def sql_outcome(row, places):
    """What the conditional UPDATEs answer (`confirmed`, `waitlisted` or None), rolled back."""
    savepoint = db.session.begin_nested()
    status, _ = take_places(row, places, NOW)
    savepoint.rollback()
    return status


def test_python_check_accepts_exactly_when_the_sql_where_matches(signup_table):
    user_id, activity_ids = signup_table
    outcomes = set()
    for case, activity_id in zip(CASES, activity_ids):
        places = case[3][2]
        row = read_for_signup(activity_id, user_id)
        expected = python_outcome(user_id, row, places)
        got = sql_outcome(row, places)
        assert got == (expected if expected in ("confirmed", "waitlisted") else None), (case, expected, got)
        outcomes.add(expected)
    # Every UPDATE was rolled back: the places are as the table set them.
    counts = db.session.execute(select(func.sum(Activity.confirmed_count), func.sum(Activity.waitlist_count))).one()
    assert tuple(counts) == (sum(case[3][1] for case in CASES), 0)
    # The table reaches every answer, so agreement is not vacuous.
    assert outcomes == {"confirmed", "waitlisted", "capacity_full", "activity_not_found", "activity_not_open",
                        "signup_not_open", "signup_closed", "validation_failed"}


def test_an_audience_changed_since_the_check_never_matches(signup_table):
    user_id, activity_ids = signup_table
    checked = 0
    for case, activity_id in zip(CASES, activity_ids):
        places = case[3][2]
        row = read_for_signup(activity_id, user_id)
        if python_outcome(user_id, row, places) not in ("confirmed", "waitlisted"):
            continue
        for other in set(AUDIENCES) - {row.audience}:
            assert sql_outcome(SimpleNamespace(**{**row._asdict(), "audience": other}), places) is None, case
            checked += 1
    assert checked > 0


def test_the_table_is_what_the_database_holds(signup_table):
    """The rows really are the cases (a default or a constraint did not quietly change one)."""
    _, activity_ids = signup_table
    columns = (Activity.status, Activity.audience, Activity.capacity, Activity.confirmed_count, Activity.waitlist_enabled)
    rows = db.session.execute(select(*columns).where(Activity.id.in_(activity_ids)).order_by(Activity.id)).all()
    assert [tuple(row) for row in rows] == [
        (status, audience, capacity, confirmed, waitlist)
        for status, _, audience, (capacity, confirmed, _), waitlist in CASES
    ]
