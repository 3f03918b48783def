"""Every error id the service answers is declared once, in `server.errors.CATALOGUE`, with its status.

Checked statically (every construction of a domain error in `server/`, every subclass's id, werkzeug's
ids, the WeChat errors, literal `{"error": ...}` bodies) and at runtime (the handler refuses, while
testing, an id or a status the catalogue does not declare). The mini-program's table of ids is
checked against the catalogue too.
"""

import ast
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import server
from server.errors import (
    CATALOGUE,
    FALLBACK_ERROR_ID,
    HTTP_ERROR_IDS,
    AccountDeleted,
    DomainError,
    NotFound,
    UncataloguedError,
    ValidationFailed,
    allowed_statuses,
)

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "server"
# Modules not imported to find error classes: the WSGI module builds an app from the environment.
NOT_IMPORTED = {"server.wsgi", "server.scheduler.__main__"}


def all_server_modules():
    """Import every module of the `server` package (so every DomainError subclass exists)."""
    for info in pkgutil.walk_packages(server.__path__, "server."):
        if info.name not in NOT_IMPORTED and ".migrations" not in info.name:
            importlib.import_module(info.name)


def error_classes():
    """`{name: class}` of DomainError and every subclass defined in `server/`."""
    all_server_modules()
    found, todo = {}, [DomainError]
    while todo:
        cls = todo.pop()
        if cls.__module__.startswith("server"):
            found[cls.__name__] = cls
        todo.extend(cls.__subclasses__())
    return found


def _literal(node):
    return node.value if isinstance(node, ast.Constant) else None


def _called_name(call):
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def constructions(source, filename, classes):
    """`(where, class, error_id, status)` for every construction of an error class in `source`.

    `error_id` and `status` are what the construction answers: its literal arguments, else what the
    class declares, else the catalogue's status. An id that is not a literal is reported as None.
    """
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call) or _called_name(node) not in classes:
            continue
        cls = classes[_called_name(node)]
        where = f"{filename}:{node.lineno}"
        # Bind the call's arguments to the class's own __init__ (WeChatError takes errcode, errmsg first).
        parameters = [p for p in inspect.signature(cls.__init__).parameters.values() if p.name != "self"]
        positional = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        bound = dict(zip(positional, node.args))
        bound.update({kw.arg: kw.value for kw in node.keywords if kw.arg})
        error_id = _literal(bound["error"]) if "error" in bound else cls.error
        status = _literal(bound["status"]) if "status" in bound else None
        if status is None:
            status = cls.status or (CATALOGUE[error_id].status if error_id in CATALOGUE else None)
        found.append((where, cls.__name__, error_id, status))
    return found


def literal_error_bodies(source, filename):
    """`(where, error_id)` for every dict literal with an `"error"` key and a literal id (bodies built by hand)."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if key is not None and _literal(key) == "error" and isinstance(_literal(value), str):
                    found.append((f"{filename}:{node.lineno}", _literal(value)))
    return found


def catalogue_violations(found):
    """Human-readable problems among `constructions(...)` results."""
    problems = []
    for where, name, error_id, status in found:
        if error_id is None:
            problems.append(f"{where}: {name}(...) with an id that is not a literal string")
        elif error_id not in CATALOGUE:
            problems.append(f"{where}: {name}({error_id!r}) is not in server.errors.CATALOGUE")
        elif status not in allowed_statuses(error_id):
            expected = allowed_statuses(error_id)
            problems.append(f"{where}: {name}({error_id!r}) answers {status}; the catalogue: {expected}")
    return problems


def scan_server():
    classes = error_classes()
    found, bodies = [], []
    for path in sorted(SERVER.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        name = str(path.relative_to(ROOT))
        found += constructions(source, name, classes)
        bodies += literal_error_bodies(source, name)
    return found, bodies


def test_every_error_raised_in_server_is_catalogued_with_its_status():
    found, _ = scan_server()
    assert not catalogue_violations(found), "\n".join(catalogue_violations(found))


def test_the_scan_sees_the_raises_of_every_domain():
    found, _ = scan_server()
    raised = {error_id for _, _, error_id, _ in found}
    # Multi-line raises, helpers that return errors, subclasses and WeChat's mapping are all seen.
    assert {"shift_overlap", "capacity_below_confirmed", "activity_not_found", "token_expired",
            "wechat_rate_limited", "checkin_token_invalid", "validation_failed"} <= raised
    assert len(found) > 60


def test_the_scan_reports_an_unknown_id_and_a_wrong_status():
    classes = error_classes()
    source = (
        "raise DomainError('no_such_id', 'x', 409)\n"
        "raise DomainError('capacity_full', 'x', 403)\n"
        "raise NotFound('capacity_full')\n"
        "raise DomainError(error_id_variable)\n"
        "raise WeChatRateLimited(45011, 'quota')\n"
    )
    problems = catalogue_violations(constructions(source, "example.py", classes))
    assert len(problems) == 4, problems
    assert "no_such_id" in problems[0] and "403" in problems[1] and "404" in problems[2]
    assert "not a literal" in problems[3]


def test_every_error_class_declares_a_catalogued_id_and_status():
    for name, cls in error_classes().items():
        assert cls.error in CATALOGUE, f"{cls.__module__}.{name}.error = {cls.error!r} is not catalogued"
        if cls.status is not None and name not in ("NotFound", "Forbidden", "NotAuthenticated", "ValidationFailed"):
            assert cls.status in allowed_statuses(cls.error), f"{name}: status {cls.status} for {cls.error!r}"


def test_the_category_classes_carry_the_status_of_their_own_id():
    for name in ("NotFound", "Forbidden", "NotAuthenticated", "ValidationFailed", "AccountDeleted"):
        cls = error_classes()[name]
        assert cls.status == CATALOGUE[cls.error].status, name


def test_every_wechat_error_is_catalogued():
    wechat_classes = [cls for name, cls in error_classes().items() if cls.__module__ == "server.wechat"]
    assert len(wechat_classes) >= 6
    for cls in wechat_classes:
        instance = cls(45011, "quota")
        assert instance.status in allowed_statuses(instance.error), cls.__name__
        assert instance.message == CATALOGUE[instance.error].message


def test_werkzeug_ids_are_catalogued_with_their_status():
    for status, (error_id, message) in HTTP_ERROR_IDS.items():
        assert CATALOGUE[error_id].status == status
        assert CATALOGUE[error_id].message == message
    assert FALLBACK_ERROR_ID not in CATALOGUE


def test_bodies_built_by_hand_use_catalogued_ids():
    _, bodies = scan_server()
    assert bodies, "the health check builds one by hand"
    for where, error_id in bodies:
        assert error_id in CATALOGUE, f"{where}: {error_id!r}"


def test_every_catalogued_id_is_answered_somewhere():
    found, bodies = scan_server()
    answered = {error_id for _, _, error_id, _ in found} | {error_id for _, error_id in bodies}
    answered |= {error_id for error_id, _ in HTTP_ERROR_IDS.values()} | {"malformed_body"}
    answered |= {cls.error for cls in error_classes().values()}  # e.g. WeChat's, raised through a variable
    assert set(CATALOGUE) - answered == set(), "catalogued but never answered: remove them or raise them"


# --- raising by id -------------------------------------------------------------------------------


def test_raising_by_id_takes_status_and_message_from_the_catalogue():
    error = DomainError("not_eligible")
    assert (error.status, error.message) == (403, CATALOGUE["not_eligible"].message)
    assert NotFound("shift_not_found").message == CATALOGUE["shift_not_found"].message


def test_a_raise_may_give_a_more_specific_message():
    error = DomainError("capacity_full", "本场名额已满")
    assert (error.error, error.status, error.message) == ("capacity_full", 409, "本场名额已满")


def test_the_released_call_forms_still_work():
    assert vars(DomainError("shift_exists", "已有班次", 409)) == {
        "error": "shift_exists", "message": "已有班次", "status": 409, "errors": None}
    assert (NotFound("activity_not_found", "活动不存在").status, NotFound().error) == (404, "not_found")
    failed = ValidationFailed(errors={"at": ["不能记录未来的时间"]})
    assert (failed.status, failed.error, failed.errors) == (422, "validation_failed", {"at": ["不能记录未来的时间"]})
    assert (AccountDeleted().error, AccountDeleted().status) == ("token_invalid", 401)
    assert AccountDeleted().message != CATALOGUE["token_invalid"].message


# --- the handler at runtime ----------------------------------------------------------------------


def _app_raising(make_app, error, **settings):
    app = make_app(**settings)

    @app.route("/api/v1/_test/raise")
    def raise_it():
        raise error

    return app.test_client()


def test_while_testing_the_handler_refuses_an_uncatalogued_id(make_app):
    client = _app_raising(make_app, DomainError("no_such_id", "未登记的错误", 409))
    with pytest.raises(UncataloguedError, match="no_such_id"):
        client.get("/api/v1/_test/raise")


def test_while_testing_the_handler_refuses_a_status_the_catalogue_does_not_give(make_app):
    client = _app_raising(make_app, DomainError("capacity_full", "名额已满", 403))
    with pytest.raises(UncataloguedError, match="403"):
        client.get("/api/v1/_test/raise")


def test_in_production_an_uncatalogued_id_is_still_answered(make_app):
    client = _app_raising(make_app, DomainError("no_such_id", "未登记的错误", 409), TESTING=False)
    response = client.get("/api/v1/_test/raise")
    assert response.status_code == 409
    assert response.get_json() == {"error": "no_such_id", "message": "未登记的错误"}


def test_a_catalogued_raise_answers_the_contract_body(make_app):
    response = _app_raising(make_app, DomainError("daily_limit_exceeded")).get("/api/v1/_test/raise")
    assert response.status_code == 409
    message = CATALOGUE["daily_limit_exceeded"].message
    assert response.get_json() == {"error": "daily_limit_exceeded", "message": message}


# --- the mini-program ----------------------------------------------------------------------------

MINIPROGRAM = ROOT / "miniprogram"
# Ids the mini-program makes up itself for failures that never reached the server (api/api-error.js).
CLIENT_SIDE_IDS = {"network_error", "network_timeout", "wechat_login_failed"}


def _js_object_keys(source, name):
    body = re.search(rf"const {name} = \{{(.*?)\n\}};", source, re.S).group(1)
    return set(re.findall(r"^\s+([a-z_]+):", body, re.M))


def test_every_id_the_miniprogram_knows_is_catalogued():
    source = (MINIPROGRAM / "constants" / "errors.js").read_text(encoding="utf-8")
    known = _js_object_keys(source, "ERROR_MESSAGES")
    assert len(known) > 40
    assert known - CLIENT_SIDE_IDS - set(CATALOGUE) == set(), "the mini-program names ids the server never answers"


def test_the_client_side_ids_are_made_up_by_the_request_wrapper_and_not_by_the_server():
    source = (MINIPROGRAM / "api" / "api-error.js").read_text(encoding="utf-8")
    for error_id in CLIENT_SIDE_IDS:
        assert f"'{error_id}'" in source
        assert error_id not in CATALOGUE


def test_the_miniprogram_logs_in_again_on_exactly_the_session_ids():
    source = (MINIPROGRAM / "constants" / "errors.js").read_text(encoding="utf-8")
    session_ids = set(re.findall(r"'([a-z_]+)'", re.search(r"SESSION_ERROR_IDS = \[(.*?)\]", source).group(1)))
    login_again = {error_id for error_id, spec in CATALOGUE.items() if spec.status == 401} - {"wechat_code_invalid"}
    assert session_ids == login_again
