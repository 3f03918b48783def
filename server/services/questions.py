"""Questions an activity asks at sign-up (报名问题), and the answers people give.

Definitions (`normalize_questions`, on create, update and duplicate): at most `MAX_QUESTIONS`; each
is `text`, `choice` or `number` with a label (unique within the activity) and a `required` flag. Ids
are given by position, `q1` .. `q5` (ids the client sends are ignored): answers are keyed by them,
and the questions cannot change once anyone has signed up (409 `questions_locked`, checked by
`refuse_questions_change` under the activity's row lock), so an id always names the question that
was answered. A `choice` question has 2 to 10 distinct options; a `number` question may bound its
answers with `min` <= `max`; options belong to `choice` questions only and bounds to `number`
questions only. A refusal is 422 `validation_failed`, `errors` naming `questions.<index>.<field>` (the
contract's flat dotted paths, as marshmallow's own refusals of the same fields are named).

Answers (`validate_answers`, at sign-up before anything is written): `{question id: value}`; an
unknown id is refused; a required question must be answered (an empty string or null is no
answer); a `text` answer is a string of at most `TEXT_ANSWER_MAX` characters (no NUL, no unpaired
surrogates: the `String` field rules); a `choice` answer is exactly one of the options; a `number`
answer is an integer (JSON number, or a string of digits as a form sends it; not a float, not a
boolean) within its bounds, or within +-`NUMBER_LIMIT` without bounds. What is stored is what was
answered, normalised (text stripped, numbers as integers); nothing at all is stored as null. A
refusal is 422 `validation_failed`, `errors` naming `answers.<question id>`. Walk-ins (代报名) may carry
answers too, checked the same way except that required questions may be left out: the organizer at
the desk may not know them.

A sign-up checks its answers against the questions it read before taking the activity's lock; an
edit of the questions may commit in between (the very first sign-up racing the organizer's save).
So, once it holds the lock (a place taken), a sign-up of an activity with questions reads them again
(`answers_still_fit`) and checks its answers against the new ones. An edit that comes after waits
for the lock and then finds the registration (409 `questions_locked`). A sign-up that takes no place
(a lottery entry, a pending one) holds no exclusive lock: there the re-read narrows the window.
"""

from sqlalchemy import select

from server.errors import DomainError, ValidationFailed
from server.extensions import db
from server.models import MAX_QUESTIONS, QUESTION_KINDS, Activity, Registration

TEXT_ANSWER_MAX = 100
LABEL_MAX = 50
OPTION_MAX = 30
OPTIONS_MIN, OPTIONS_MAX = 2, 10
# Bounds of a number answer (and of a question's `min`/`max`).
NUMBER_LIMIT = 1_000_000
# Digits a number answer sent as text may have: enough for NUMBER_LIMIT and a sign, no more to parse.
_NUMBER_DIGITS = 8


def _text(value):
    return value.strip() if isinstance(value, str) else ""


def _question_errors(question):
    """(normalised question, {field: [messages]}) for one definition."""
    errors = {}
    kind = question.get("kind")
    if kind not in QUESTION_KINDS:
        errors["kind"] = ["题型只能是文字、单选或数字"]
    label = _text(question.get("label"))
    if not label:
        errors["label"] = ["请填写问题"]
    elif len(label) > LABEL_MAX:
        errors["label"] = [f"问题不能超过 {LABEL_MAX} 个字"]
    options = [_text(option) for option in question.get("options") or []]
    minimum, maximum = question.get("min"), question.get("max")
    if kind == "choice":
        if any(not option for option in options):
            errors["options"] = ["选项不能为空"]
        elif any(len(option) > OPTION_MAX for option in options):
            errors["options"] = [f"每个选项不能超过 {OPTION_MAX} 个字"]
        elif len(set(options)) != len(options):
            errors["options"] = ["选项不能重复"]
        elif not OPTIONS_MIN <= len(options) <= OPTIONS_MAX:
            errors["options"] = [f"单选题需要 {OPTIONS_MIN} 到 {OPTIONS_MAX} 个选项"]
    elif options:
        errors["options"] = ["只有单选题可以设置选项"]
    if kind == "number":
        for name, bound in (("min", minimum), ("max", maximum)):
            if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int)
                                      or not -NUMBER_LIMIT <= bound <= NUMBER_LIMIT):
                errors[name] = [f"须为 -{NUMBER_LIMIT} 到 {NUMBER_LIMIT} 之间的整数"]
        if "min" not in errors and "max" not in errors and None not in (minimum, maximum) and minimum > maximum:
            errors["max"] = ["最大值不能小于最小值"]
    else:
        for name, bound in (("min", minimum), ("max", maximum)):
            if bound is not None:
                errors[name] = ["只有数字题可以设置最小值和最大值"]
    normalised = {
        "kind": kind,
        "label": label,
        "required": bool(question.get("required")),
        "options": options if kind == "choice" else [],
        "min": minimum if kind == "number" else None,
        "max": maximum if kind == "number" else None,
    }
    return normalised, errors


def normalize_questions(questions):
    """The activity's questions as stored: each with its id by position (`q1`..), every key present.

    `questions` is a list of dicts as `QuestionSchema` loads them (an `id` in them is ignored), or None
    (no questions). Raises ValidationFailed (`errors` at `questions.<index>.<field>`, or at
    `questions` for too many).
    """
    questions = list(questions or [])
    if len(questions) > MAX_QUESTIONS:
        raise ValidationFailed(errors={"questions": [f"最多 {MAX_QUESTIONS} 个问题"]})
    result, errors, labels = [], {}, set()
    for index, question in enumerate(questions):
        normalised, field_errors = _question_errors(question)
        if normalised["label"] and normalised["label"] in labels:
            field_errors.setdefault("label", []).append("问题不能重复")
        labels.add(normalised["label"])
        for field, messages in field_errors.items():
            errors[f"questions.{index}.{field}"] = messages
        result.append({"id": f"q{index + 1}", **normalised})
    if errors:
        raise ValidationFailed(errors=errors)
    return result


def questions_changed(current, new):
    """Whether the normalised `new` questions differ from the stored `current` ones (None is none)."""
    return (current or []) != (new or [])


def questions_locked(activity):
    """Whether the activity's questions can no longer change: it has a registration, whatever its
    status (answers are keyed by the questions' ids). None (a new activity): False."""
    return activity is not None and db.session.scalar(
        select(Registration.id).where(Registration.activity_id == activity.id).limit(1)
    ) is not None


def refuse_questions_change(activity):
    """409 `questions_locked` once the activity has any registration (`questions_locked`). The caller
    holds the activity's row lock."""
    if questions_locked(activity):
        raise DomainError("questions_locked")


def answers_still_fit(activity_id, asked, sent, stored, require=True):
    """The answers to store, checked again if the activity's questions changed since `asked` were read
    (the caller holds the activity's lock: see the module docstring). `sent` are the answers as the
    client sent them, `stored` what `validate_answers` made of them against `asked`. An activity that
    asked nothing is not read again (no cost on the hot path). Raises ValidationFailed."""
    if not asked:
        return stored
    current = db.session.scalar(select(Activity.questions).where(Activity.id == activity_id))
    return stored if current == asked else validate_answers(current, sent, require)


def _number(value):
    """An integer answer from a JSON integer or a string of digits; None when it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text[:1] in ("-", "+") else text
        if digits.isascii() and digits.isdigit() and len(digits) <= _NUMBER_DIGITS:
            return int(text)
    return None


def _answer_error(question, value):
    """(stored value, None) for a valid answer, else (None, message)."""
    kind = question["kind"]
    if kind == "number":
        number = _number(value)
        if number is None:
            return None, "请填写整数"
        low = question["min"] if question["min"] is not None else -NUMBER_LIMIT
        high = question["max"] if question["max"] is not None else NUMBER_LIMIT
        if not low <= number <= high:
            return None, f"请填写 {low} 到 {high} 之间的整数"
        return number, None
    if not isinstance(value, str):
        return None, "请填写文字" if kind == "text" else "请从选项中选择"
    if "\x00" in value:
        return None, "不能包含 NUL 字符"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return None, "包含无效的 Unicode 字符（未配对的代理项）"
    text = value.strip()
    if kind == "choice":
        if text not in question["options"]:
            return None, "请从选项中选择"
        return text, None
    if len(text) > TEXT_ANSWER_MAX:
        return None, f"不能超过 {TEXT_ANSWER_MAX} 个字"
    return text, None


def _unanswered(value):
    return value is None or (isinstance(value, str) and not value.strip())


def validate_answers(questions, answers, require=True):
    """The answers to store (`{question id: value}`, or None when nothing was answered).

    `questions` as stored on the activity (None: none); `answers` as the client sent them (a dict;
    None: none). With `require` False (walk-ins), required questions may be left unanswered.
    Raises ValidationFailed, `errors` at `answers.<question id>`.
    """
    questions = questions or []
    answers = answers or {}
    if not isinstance(answers, dict):
        raise ValidationFailed(errors={"answers": ["格式有误"]})
    by_id = {question["id"]: question for question in questions}
    errors, stored = {}, {}
    for key in answers:
        if key not in by_id:
            errors[f"answers.{str(key)[:16]}"] = ["没有这个问题"]
    for question in questions:
        value = answers.get(question["id"])
        if _unanswered(value):
            if require and question["required"]:
                errors[f"answers.{question['id']}"] = ["请回答此问题"]
            continue
        answer, message = _answer_error(question, value)
        if message:
            errors[f"answers.{question['id']}"] = [message]
        else:
            stored[question["id"]] = answer
    if errors:
        raise ValidationFailed(errors=errors)
    return stored or None


def typed_answers(questions, answers):
    """The free-text answers, as `{"answers.<id>": text}` for the content check (organizers read them)."""
    kinds = {question["id"]: question["kind"] for question in questions or []}
    return {f"answers.{key}": value for key, value in (answers or {}).items() if kinds.get(key) == "text"}


def answer_headers(questions):
    """A roster file's column headers for the questions: their labels."""
    return [question["label"] for question in questions or []]


def answer_cells(questions, answers):
    """A roster file's cells for one registration's answers, under `answer_headers`: a number answer
    stays a number, an unanswered question is empty."""
    answers = answers or {}
    return [answers.get(question["id"], "") for question in questions or []]
