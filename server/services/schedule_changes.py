"""What changing a scheduled activity or shift must respect, and what its people are told.

Rules:
- an activity or shift is never created, published or moved to start in the past (422 on `starts_at`);
  recording a past event is not something the service offers;
- a change that would break the rules of someone already registered or booked (a shift's overlaps,
  fatigue limit, rest or party-members-only flag; an activity's audience) is refused as a whole with
  409 `schedule_change_refused`, whose message names up to `NAMED_PEOPLE` of them and how many there are;
- a change that is made and moves the times (or an activity's venue) records a `schedule_changed`
  notice for each confirmed registrant or booked volunteer, in the caller's transaction (sent after the
  commit, through the credit ledger like every subscribe message).

Locks: none of its own; callers hold the activity's or shift's row lock (and the people's, for shifts).
"""

from server.errors import DomainError, ValidationFailed
from server.models.base import utcnow
from server.services.outbox import enqueue_message

# How many people a refusal names; the rest are counted.
NAMED_PEOPLE = 3


def refuse_past_start(starts_at, message="开始时间已过，请选择将来的时间", field="starts_at"):
    """422 on `field` when `starts_at` is not in the future."""
    if starts_at <= utcnow():
        raise ValidationFailed(errors={field: [message]})


def person_name(user):
    """How an organizer knows a person: the real name, else the nickname, else the account number."""
    return user.real_name or user.nickname or f"用户{user.id}"


def refuse_breaking(broken):
    """Refuse a change that breaks the rules of these people: `broken` is `[(user, reason)]` (the
    reason in Chinese, e.g. "仅限党员"). Nothing to refuse when it is empty."""
    if not broken:
        return
    named = "、".join(f"{person_name(user)}（{reason}）" for user, reason in broken[:NAMED_PEOPLE])
    more = f"等 {len(broken)} 人" if len(broken) > NAMED_PEOPLE else ""
    raise DomainError(
        "schedule_change_refused",
        f"调整后{named}{more}将不符合规则，请先与其沟通或取消其报名/预约，再修改",
        409,
    )


def notify_schedule_changed(user_ids_and_refs, payload):
    """Record a `schedule_changed` notice for each `(user_id, (ref_type, ref_id))`."""
    for user_id, ref in user_ids_and_refs:
        enqueue_message("schedule_changed", user_id, payload, ref=ref)
