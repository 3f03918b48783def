"""Content safety: text that other people read passes WeChat's msgSecCheck (v2) before it is saved.

What is checked, with the author's openid and one of WeChat's scenes per kind of text:
- `PROFILE` (scene 1, 资料): a resident's nickname and real name, read by organizers on rosters;
- `COMMENT` (scene 2, 评论): a registration's remark, read by the activity's organizers;
- `FORUM` (scene 3, 论坛): what organizers write for residents to read: an activity's title,
  description, venue and cancel reason; a site's name and address; a shift's notes and cancel reason.

Verdicts (`result.suggest`; WeChat answers errcode 0 for risky text too):
- `risky`: refused with 422 `content_risky`, `errors` naming each refused field. Callers check
  before they write anything, so nothing is saved.
- `review`: accepted, and logged with the kind, WeChat's label and trace id (never the text). Every
  text checked here is read either by organizers only (profiles, remarks: the staff are the human
  review WeChat asks for) or is written by organizers, staff accountable by name; and party lessons
  trip the politics label often enough that holding them would stop the centre's own programme.
- no verdict (WeChat unreachable, busy, over quota, or refusing the call itself, e.g. 61010 when
  the author has not opened the mini-program in the last two hours): accepted unchecked, with a
  warning logged (kind and errcode). Nothing is checked later: a later check needs the author's
  recent visit too, so it would fail for the same reason, and a sign-up or a duty plan must not
  wait on WeChat. See docs/api.md, "Content safety".

Only non-empty text is checked, and only text that changes (callers pass what is new): an empty
remark costs a sign-up no WeChat call. Text longer than WeChat's 2500 characters is checked in
parts. Callers check before taking any row lock, so a WeChat round trip never holds one.
"""

import logging

from server.errors import DomainError
from server.wechat import WeChatError, wechat

log = logging.getLogger(__name__)

PROFILE, COMMENT, FORUM = 1, 2, 3
SCENE_NAMES = {PROFILE: "profile", COMMENT: "comment", FORUM: "forum"}
# WeChat's limit for `content`.
MAX_CONTENT = 2500

RISKY_FIELD_MESSAGE = "内容含有不当信息，未通过微信内容安全检测，请修改"


def _parts(text):
    return [text[start : start + MAX_CONTENT] for start in range(0, len(text), MAX_CONTENT)]


def _verdict(openid, scene, field, text):
    """`risky`, `review`, `pass`, or None when WeChat gave no verdict (logged)."""
    worst = "pass"
    for part in _parts(text):
        try:
            verdict = wechat().check_text(openid, part, scene)
        except WeChatError as exc:
            log.warning(
                "content check skipped, text accepted unchecked: scene=%s field=%s error=%s errcode=%s",
                SCENE_NAMES[scene], field, exc.error, exc.errcode,
            )
            return None
        if verdict.suggest != "pass":
            log.info(
                "content check: scene=%s field=%s suggest=%s label=%s trace_id=%s",
                SCENE_NAMES[scene], field, verdict.suggest, verdict.label, verdict.trace_id,
            )
        if verdict.suggest == "risky":
            return "risky"
        if verdict.suggest == "review":
            worst = "review"
    return worst


def check_texts(author, scene, fields):
    """Check each non-empty text of `fields` (`{field: text}`) as `author` wrote it.

    Raises DomainError `content_risky` (422), `errors` naming every risky field; `review` and no
    verdict are accepted (see the module docstring). An author without an openid (the command line)
    is not checked.
    """
    texts = {field: text for field, text in fields.items() if isinstance(text, str) and text.strip()}
    if not texts:
        return
    openid = getattr(author, "openid", None)
    if not openid:
        log.warning("content check skipped, no author openid: scene=%s", SCENE_NAMES[scene])
        return
    risky = []
    for field, text in texts.items():
        verdict = _verdict(openid, scene, field, text)
        if verdict is None:
            break  # no verdict from WeChat: the other fields would only wait for it too
        if verdict == "risky":
            risky.append(field)
    if risky:
        raise DomainError("content_risky", errors={field: [RISKY_FIELD_MESSAGE] for field in risky})


def changed_texts(current, changes, fields):
    """The text fields of `changes` whose value differs from `current`'s (an ORM row)."""
    return {field: changes[field] for field in fields if field in changes and changes[field] != getattr(current, field)}
